-- A label holds the form document of the dossier it was granted on (its
-- own values, for a label brought in by an import) and the scopes that
-- document places it in, like a dossier; its filière, région, académies and
-- support establishment columns become that document.

ALTER TABLE labels ADD COLUMN form jsonb NOT NULL DEFAULT '{}';

-- The label's own values win over its dossier's.
UPDATE labels l SET form = COALESCE((SELECT d.form FROM dossiers d WHERE d.id = l.dossier_id), '{}'::jsonb)
    || jsonb_strip_nulls(jsonb_build_object(
        'filiere', NULLIF(l.filiere, ''),
        'region', NULLIF(l.region, ''),
        'academies', (SELECT jsonb_agg(a.academie ORDER BY a.academie) FROM label_academies a WHERE a.label_id = l.id),
        'support_establishment', NULLIF(l.support_establishment, '')
    ));

CREATE TABLE label_scopes (
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    PRIMARY KEY (label_id, scope)
);
CREATE INDEX label_scopes_by_scope ON label_scopes (scope);

INSERT INTO label_scopes (label_id, scope) SELECT label_id, 'academie:' || academie FROM label_academies;
INSERT INTO label_scopes (label_id, scope) SELECT id, 'region:' || region FROM labels WHERE region <> '';

DROP TABLE label_academies;
ALTER TABLE labels DROP COLUMN filiere, DROP COLUMN region, DROP COLUMN support_establishment;
