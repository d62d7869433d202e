-- An owner's invitation to co-own a dossier, sent to an address by
-- e-mail: accepting it (once, before it expires, unless revoked) makes the
-- person an owner, opening their account if they have none. As for the
-- other links, the tokens are made by the mail worker when it sends the
-- e-mail and only their SHA-256 is kept.
CREATE TABLE co_owner_invitations (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT,
    revoked_at BIGINT
);
CREATE INDEX co_owner_invitations_by_dossier ON co_owner_invitations (dossier_id, created_at);
CREATE TABLE co_owner_tokens (
    token_hash TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES co_owner_invitations(id) ON DELETE CASCADE
);
