-- `/metrics` counts the e-mails given up on at every scrape: through this
-- index that count reads the dead ones only, not every e-mail ever sent.
CREATE INDEX outbox_dead ON outbox (created_at) WHERE status = 'dead';
