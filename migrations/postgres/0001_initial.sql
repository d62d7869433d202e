-- labelflow initial schema (PostgreSQL).
-- Instants are UTC microseconds since the Unix epoch (BIGINT); calendar
-- dates are ISO text (YYYY-MM-DD, Europe/Paris); ids are UUID text; JSON is text.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, scope)
);
CREATE INDEX user_roles_by_role ON user_roles (role, scope);

CREATE TABLE user_affiliations (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    affiliation TEXT NOT NULL,
    PRIMARY KEY (user_id, affiliation)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    workflow TEXT NOT NULL,
    criteria TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    kinds TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE dossiers (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    workflow TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    renewal_of TEXT,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    filiere TEXT NOT NULL,
    region TEXT NOT NULL,
    support_establishment TEXT NOT NULL,
    directeur_operationnel TEXT NOT NULL,
    endorsed_rectorat_by TEXT,
    endorsed_rectorat_at BIGINT,
    endorsed_region_by TEXT,
    endorsed_region_at BIGINT,
    completion_message TEXT,
    completion_due BIGINT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dossiers_by_campaign ON dossiers (campaign_id, state);
CREATE INDEX dossiers_by_region ON dossiers (region);

CREATE TABLE dossier_academies (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    academie TEXT NOT NULL,
    PRIMARY KEY (dossier_id, academie)
);
CREATE INDEX dossier_academies_by_academie ON dossier_academies (academie);

CREATE TABLE dossier_owners (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (dossier_id, user_id)
);
CREATE INDEX dossier_owners_by_user ON dossier_owners (user_id);

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX partners_by_dossier ON partners (dossier_id);

CREATE TABLE opinions (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    opinion TEXT NOT NULL,
    given_on TEXT,
    recorded_by TEXT,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, body)
);

CREATE TABLE assignments (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    due_at BIGINT NOT NULL,
    assigned_by TEXT,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, user_id)
);
CREATE INDEX assignments_by_user ON assignments (user_id);

CREATE TABLE reviews (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    reviewer_id TEXT NOT NULL REFERENCES users(id),
    scores TEXT NOT NULL,
    comment TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, reviewer_id)
);

CREATE TABLE decisions (
    dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    category TEXT,
    years BIGINT,
    motivation TEXT NOT NULL,
    excellence_override TEXT,
    decided_by TEXT,
    decided_at BIGINT NOT NULL
);

CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    dossier_id TEXT REFERENCES dossiers(id),
    workflow TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    filiere TEXT NOT NULL,
    region TEXT NOT NULL,
    valid_from TEXT COLLATE "C" NOT NULL,
    valid_until TEXT COLLATE "C" NOT NULL,
    renewal_of TEXT REFERENCES labels(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX labels_by_state ON labels (state, valid_until);
CREATE INDEX labels_by_renewal ON labels (renewal_of);

CREATE TABLE label_academies (
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    academie TEXT NOT NULL,
    PRIMARY KEY (label_id, academie)
);
CREATE INDEX label_academies_by_academie ON label_academies (academie);

-- Durable timers: created and cancelled in the transaction of the
-- transition that plans them; status pending -> fired | cancelled | refused.
CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    timer_key TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    outcome TEXT
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';
CREATE INDEX timers_by_entity ON timers (entity, entity_id, status);

-- One row per message and recipient, written with the transition.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    template TEXT NOT NULL,
    recipient_user_id TEXT,
    recipient_email TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_by_recipient ON outbox (recipient_user_id);

-- Audit chain head per entity: the last entry's number and hash, so that
-- truncating an entity's history is detected too.
CREATE TABLE audit_heads (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);

CREATE TABLE audit (
    seq BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    on_behalf_of TEXT,
    action TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    data_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (entity, entity_id, entity_seq)
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Each chain's head follows its newest entry, whoever inserts it.
CREATE FUNCTION audit_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_heads (entity, entity_id, entity_seq, hash)
    VALUES (NEW.entity, NEW.entity_id, NEW.entity_seq, NEW.hash)
    ON CONFLICT (entity, entity_id) DO UPDATE SET entity_seq = excluded.entity_seq, hash = excluded.hash;
    RETURN NULL;
END;
$$;

CREATE TRIGGER audit_head AFTER INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_move_head();

-- The timer worker sleeps until woken by a new timer.
CREATE FUNCTION timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('labelflow_timers', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER timers_wake AFTER INSERT ON timers
    FOR EACH STATEMENT EXECUTE FUNCTION timers_notify();
