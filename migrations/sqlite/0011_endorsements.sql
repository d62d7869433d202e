-- Endorsements become rows, one a side (the side a staff role endorses
-- for, as its workflow declares it), instead of two pairs of columns.

CREATE TABLE endorsements (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    endorsed_by TEXT,
    endorsed_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, side)
);

INSERT INTO endorsements (dossier_id, side, endorsed_by, endorsed_at)
    SELECT id, 'rectorat', endorsed_rectorat_by, endorsed_rectorat_at FROM dossiers WHERE endorsed_rectorat_at IS NOT NULL;
INSERT INTO endorsements (dossier_id, side, endorsed_by, endorsed_at)
    SELECT id, 'region', endorsed_region_by, endorsed_region_at FROM dossiers WHERE endorsed_region_at IS NOT NULL;

ALTER TABLE dossiers DROP COLUMN endorsed_rectorat_by;
ALTER TABLE dossiers DROP COLUMN endorsed_rectorat_at;
ALTER TABLE dossiers DROP COLUMN endorsed_region_by;
ALTER TABLE dossiers DROP COLUMN endorsed_region_at;
