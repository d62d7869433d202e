-- Self-assessment text per criterion and uploaded attachments.

CREATE TABLE self_assessments (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, criterion)
);

-- Files are stored by content hash under the data folder; the name given
-- by the uploader is kept for display only.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_by_dossier ON attachments (dossier_id);
CREATE INDEX sessions_by_user ON sessions (user_id);
