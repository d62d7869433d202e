-- A dossier's message thread between its owners and its staff: each
-- message numbered in its thread with the side that wrote it, private (a
-- note among the staff, never shown to the owners) or not, and how far (up
-- to which number) each person has read.
CREATE TABLE dossier_messages (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    private BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (dossier_id, seq)
);
CREATE TABLE dossier_message_reads (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    read_seq BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, user_id)
);
