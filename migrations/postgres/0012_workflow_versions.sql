-- Each workflow definition a server has used, stored by version (a hash of
-- its file and criteria grid), so that an instance stays on the version it
-- started on when the file is edited. Calls, dossiers and labels name their
-- version; rows of earlier releases get the version the server runs when it
-- first starts on this schema.

CREATE TABLE workflow_versions (
    workflow TEXT NOT NULL,
    version TEXT NOT NULL,
    file TEXT NOT NULL,
    source TEXT NOT NULL,
    grid_id TEXT NOT NULL,
    grid TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (workflow, version)
);

ALTER TABLE campaigns ADD COLUMN workflow_version TEXT;
ALTER TABLE dossiers ADD COLUMN workflow_version TEXT;
ALTER TABLE labels ADD COLUMN workflow_version TEXT;
