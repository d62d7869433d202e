-- How each person wants each kind of e-mail: in a daily digest or not at
-- all (no row: at once). The e-mails a workflow marks mandatory and those
-- carrying a link are always sent at once. An e-mail held for the digest
-- keeps its outbox row, marked `held`, then `digested` with the digest's
-- own outbox row; one turned off is kept as `skipped`.
CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    template TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (user_id, template)
);
ALTER TABLE outbox ADD COLUMN digest_id TEXT;
CREATE INDEX outbox_held ON outbox (recipient_user_id, created_at) WHERE status = 'held';
CREATE INDEX outbox_by_digest ON outbox (digest_id) WHERE digest_id IS NOT NULL;
