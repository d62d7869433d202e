-- An account an administrator deactivates keeps its history (the audit
-- trail names it) but logs in no more: when, or NULL for an active one.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
