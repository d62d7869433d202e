-- Accounts found by name or address as lists search them (lower case,
-- without accents: see src/search.rs); older rows get theirs at start.
ALTER TABLE users ADD COLUMN search_key TEXT;
CREATE INDEX users_by_name ON users (name, id);
CREATE INDEX outbox_by_recipient_time ON outbox (recipient_user_id, created_at, id);
