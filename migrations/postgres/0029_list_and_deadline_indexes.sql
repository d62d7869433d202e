-- Lists and dashboards read a first page in their sort order: an index in
-- that order reads 20 rows instead of sorting every visible one. The
-- deadlines read the pending timers of one kind falling due before a day.
CREATE INDEX dossiers_by_update ON dossiers (updated_at DESC, id);
CREATE INDEX labels_by_end ON labels (valid_until, id);
CREATE INDEX timers_pending_by_kind ON timers (entity, due_at) WHERE status = 'pending';
