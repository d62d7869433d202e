-- A person's download of what is held about them lists what they did or
-- had done for them: the audit entries naming them as actor, or as the one
-- an administrator acted for, read through these indexes, not the trail.
CREATE INDEX audit_by_actor ON audit (actor, seq);
CREATE INDEX audit_on_behalf ON audit (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
