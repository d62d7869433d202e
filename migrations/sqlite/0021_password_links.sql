-- One-time links to choose a password: an administrator's invitation or a
-- forgotten password. The tokens themselves are made by the mail worker
-- when it sends the e-mail and only their SHA-256 is kept here, so a copy
-- of the database opens no account. A link may have several tokens (an
-- e-mail sent again after a crash); using one uses the link.
CREATE TABLE password_links (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX password_links_by_user ON password_links (user_id, created_at);
CREATE TABLE password_link_tokens (
    token_hash TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES password_links(id) ON DELETE CASCADE
);
