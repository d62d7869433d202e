-- A rapporteur who declares a conflict of interest leaves the dossier's
-- assignments and may not be assigned to it again.
CREATE TABLE recusals (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, user_id)
);
