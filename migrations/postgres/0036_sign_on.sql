-- Single sign-on through an OpenID Connect provider.
-- A login begun: its state (only its hash is kept; the browser holds the
-- state itself in a cookie) and nonce, where it leads, and, once the
-- provider answered for a person not yet linked, who they are until they
-- confirm the link to the account with their e-mail.
CREATE TABLE sign_on_requests (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    issuer TEXT,
    subject TEXT,
    user_id TEXT REFERENCES users (id),
    id_token TEXT
);
CREATE INDEX sign_on_requests_by_expiry ON sign_on_requests (expires_at);
-- A person's identity at a provider (issuer and subject), linked once to
-- their account: the provider says who they are, never what they may do.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_by_user ON user_identities (user_id);
-- The ID token a session was opened with, sent back as the hint when the
-- person logs out at the provider.
ALTER TABLE sessions ADD COLUMN id_token TEXT;
