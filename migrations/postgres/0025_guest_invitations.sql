-- Outside experts asked for an opinion by a link ([guests] in a workflow):
-- whom, about which dossier, the question, the inputs the inviter set, the
-- deadline (the link's end), whether the answer is hidden from the owners,
-- and once answered, the text and what the answer wrote. As for password
-- links, the tokens are made by the mail worker when it sends the e-mail
-- and only their SHA-256 is kept; answering, revoking or the deadline
-- ends them all. The files joined to an answer are kept by their SHA-256.
CREATE TABLE guest_invitations (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    question TEXT NOT NULL,
    preset TEXT NOT NULL,
    confidential BIGINT NOT NULL DEFAULT 0,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered_at BIGINT,
    revoked_at BIGINT,
    answer_text TEXT,
    answer_input TEXT,
    written TEXT
);
CREATE INDEX guest_invitations_by_dossier ON guest_invitations (dossier_id, created_at);
CREATE TABLE guest_invitation_tokens (
    token_hash TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES guest_invitations(id) ON DELETE CASCADE
);
CREATE TABLE guest_answer_files (
    id TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES guest_invitations(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX guest_answer_files_by_invitation ON guest_answer_files (invitation_id, uploaded_at);
