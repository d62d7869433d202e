-- Endorsements, opinions and yearly reports become records the workflow
-- file declares: one table per machine holds every kind, each record's
-- fields as one JSON document, a later record with the same key replacing
-- the earlier one. The former tables' rows move over under the names the
-- engine gave them (a file that writes them without declaring them gets
-- the same declarations).

CREATE TABLE dossier_records (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    data jsonb NOT NULL,
    recorded_by TEXT,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, kind, record_key)
);

CREATE TABLE label_records (
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    data jsonb NOT NULL,
    recorded_by TEXT,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (label_id, kind, record_key)
);

INSERT INTO dossier_records (dossier_id, kind, record_key, data, recorded_by, recorded_at)
    SELECT dossier_id, 'endorsement', side, jsonb_build_object('side', side), endorsed_by, endorsed_at FROM endorsements;
INSERT INTO dossier_records (dossier_id, kind, record_key, data, recorded_by, recorded_at)
    SELECT dossier_id, 'opinion', body,
        CASE WHEN given_on IS NULL THEN jsonb_build_object('body', body, 'opinion', opinion)
             ELSE jsonb_build_object('body', body, 'opinion', opinion, 'date', given_on) END,
        recorded_by, recorded_at FROM opinions;
INSERT INTO label_records (label_id, kind, record_key, data, recorded_by, recorded_at)
    SELECT label_id, 'report', CAST(year AS TEXT), jsonb_build_object('year', year, 'body', body), submitted_by, submitted_at
    FROM label_reports;

DROP TABLE endorsements;
DROP TABLE opinions;
DROP TABLE label_reports;
