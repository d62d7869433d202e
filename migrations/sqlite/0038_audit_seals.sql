-- Personal values outside the hashed content: an entry written from now on
-- is hashed over salted SHA-256 digests of its before, after and data
-- values (`digests`), the salts kept beside them (`salts`). Erasing a value
-- deletes it and its salt; the digest stays, so the chain still verifies
-- and the value cannot be guessed back from it. Entries written before keep
-- their values inside their hash (`digests` NULL).
ALTER TABLE audit ADD COLUMN salts TEXT;
ALTER TABLE audit ADD COLUMN digests TEXT;
ALTER TABLE audit ADD COLUMN erased_at BIGINT;

-- Still append-only, except for erasing the sealed values of an entry:
-- nothing its hash covers may change.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (
    OLD.digests IS NOT NULL AND NEW.digests = OLD.digests AND NEW.erased_at IS NOT NULL
    AND NEW.seq = OLD.seq AND NEW.entity = OLD.entity AND NEW.entity_id = OLD.entity_id
    AND NEW.entity_seq = OLD.entity_seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
    AND NEW.on_behalf_of IS OLD.on_behalf_of AND NEW.action = OLD.action
    AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only; only sealed personal values may be erased');
END;
