-- A mail worker leases a row while it sends it, outside any transaction;
-- a lease left by a crashed worker expires and the row is sent again, with
-- the same Message-ID.
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
