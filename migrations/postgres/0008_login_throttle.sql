-- Failed logins, shared by every instance on the database: per client
-- address and account together, per account, and per client across
-- accounts. A row is forgotten a day after its last failure.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    locked_until BIGINT
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
