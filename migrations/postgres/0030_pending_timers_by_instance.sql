-- Every transition reads, and may cancel, the pending timers of its one
-- instance. With stale or missing statistics (a new database, autovacuum
-- off) the planner took the index of 0029 over every pending timer of a
-- kind and filtered it for the instance: a transition's cost then grew
-- with the country's pending timers (1 ms at 1,000 dossiers, 3 ms at
-- 4,000 on PostgreSQL). It goes; the deadlines read `timers_due` in due
-- order instead, and the instance's pending timers have their own index.
DROP INDEX timers_pending_by_kind;
CREATE INDEX timers_pending_by_instance ON timers (entity, entity_id) WHERE status = 'pending';
