-- One row per day (Paris) whose audit heads were digested, e-mailed to the
-- administrators and written to a file outside the database: made once,
-- however many servers run.
CREATE TABLE audit_digests (
    day TEXT PRIMARY KEY,
    entries BIGINT NOT NULL,
    chains BIGINT NOT NULL,
    digest TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
