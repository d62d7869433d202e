-- A label holds the form document of the dossier it was granted on (its
-- own values, for a label brought in by an import) and the scopes that
-- document places it in, like a dossier; its filière, région, académies and
-- support establishment columns become that document.

ALTER TABLE labels ADD COLUMN form TEXT NOT NULL DEFAULT '{}';

-- json_patch drops the keys whose value is null; the label's own values
-- win over its dossier's.
UPDATE labels SET form = json_patch(
    COALESCE((SELECT d.form FROM dossiers d WHERE d.id = labels.dossier_id), '{}'),
    json_object(
        'filiere', NULLIF(filiere, ''),
        'region', NULLIF(region, ''),
        'academies', CASE WHEN EXISTS (SELECT 1 FROM label_academies a WHERE a.label_id = labels.id)
            THEN json((SELECT json_group_array(academie) FROM
                (SELECT academie FROM label_academies a WHERE a.label_id = labels.id ORDER BY academie)))
            END,
        'support_establishment', NULLIF(support_establishment, '')
    )
);

CREATE TABLE label_scopes (
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    PRIMARY KEY (label_id, scope)
);
CREATE INDEX label_scopes_by_scope ON label_scopes (scope);

INSERT INTO label_scopes (label_id, scope) SELECT label_id, 'academie:' || academie FROM label_academies;
INSERT INTO label_scopes (label_id, scope) SELECT id, 'region:' || region FROM labels WHERE region <> '';

DROP TABLE label_academies;
ALTER TABLE labels DROP COLUMN filiere;
ALTER TABLE labels DROP COLUMN region;
ALTER TABLE labels DROP COLUMN support_establishment;
