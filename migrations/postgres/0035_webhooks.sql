-- Webhooks: addresses an administrator registered, told of the events they
-- subscribed to. The secret signs each delivery (HMAC-SHA256), so it is
-- kept as given, not hashed.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    secret TEXT NOT NULL,
    workflow TEXT NOT NULL,
    events TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
-- What each live webhook wants (`events` above), one row per kind: a step
-- looks its subscribers up by kind in one indexed read. A deleted webhook
-- has none.
CREATE TABLE webhook_subscriptions (
    kind TEXT NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    workflow TEXT NOT NULL,
    PRIMARY KEY (kind, webhook_id)
);
-- The webhooks' outbox: written with the step that caused it, leased by
-- the webhook worker while it posts, retried, and kept when it dies.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    kind TEXT NOT NULL,
    workflow TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (created_at) WHERE status = 'dead';
