-- Retention of personal data (a workflow's `[retention]`): when an instance
-- entered its current state, when its owners were told of the coming
-- erasure, and when its personal data was erased. Instances already in
-- their state count from their last change.
ALTER TABLE dossiers ADD COLUMN state_since BIGINT;
ALTER TABLE dossiers ADD COLUMN retention_warned_at BIGINT;
ALTER TABLE dossiers ADD COLUMN personal_data_erased_at BIGINT;
UPDATE dossiers SET state_since = updated_at;
CREATE INDEX dossiers_by_workflow_state ON dossiers (workflow, state);

ALTER TABLE labels ADD COLUMN state_since BIGINT;
ALTER TABLE labels ADD COLUMN retention_warned_at BIGINT;
ALTER TABLE labels ADD COLUMN personal_data_erased_at BIGINT;
UPDATE labels SET state_since = updated_at;
CREATE INDEX labels_by_workflow_state ON labels (workflow, state);

-- Files of erased dossiers that no row names any more: deleted from the
-- data folder once the erasure has committed, or at the next pass after a
-- crash in between.
CREATE TABLE file_erasures (
    sha256 TEXT PRIMARY KEY,
    queued_at BIGINT NOT NULL
);
