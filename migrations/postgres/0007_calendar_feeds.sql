-- A secret calendar address per user: only its SHA-256 is kept, so the
-- address can be revoked or replaced but never shown again.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
