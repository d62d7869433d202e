-- The document each decision issued (its PDF), made once when the decision
-- was recorded and served as made: keyed by the decision's moment, so a
-- dossier decided again after a reopening keeps its earlier documents.
CREATE TABLE decision_documents (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    decided_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, decided_at)
);
