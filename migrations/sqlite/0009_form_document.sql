-- A dossier's form values become one JSON document, checked against its
-- workflow's form (empty values left out, as the application stores them).
-- The région column and dossier_academies stay beside it: the index staff
-- visibility and recipients read, written with the document.

ALTER TABLE dossiers ADD COLUMN form TEXT NOT NULL DEFAULT '{}';

-- json_patch drops the keys whose value is null.
UPDATE dossiers SET form = json_patch('{}', json_object(
    'filiere', NULLIF(filiere, ''),
    'region', NULLIF(region, ''),
    'academies', CASE WHEN EXISTS (SELECT 1 FROM dossier_academies a WHERE a.dossier_id = dossiers.id)
        THEN json((SELECT json_group_array(academie) FROM
            (SELECT academie FROM dossier_academies a WHERE a.dossier_id = dossiers.id ORDER BY academie)))
        END,
    'support_establishment', NULLIF(support_establishment, ''),
    'directeur_operationnel', NULLIF(directeur_operationnel, ''),
    'partners', CASE WHEN EXISTS (SELECT 1 FROM partners p WHERE p.dossier_id = dossiers.id)
        THEN json((SELECT json_group_array(json_object('id', id, 'name', name, 'type', type)) FROM
            (SELECT id, name, type FROM partners p WHERE p.dossier_id = dossiers.id ORDER BY created_at, name)))
        END
));

ALTER TABLE dossiers DROP COLUMN filiere;
ALTER TABLE dossiers DROP COLUMN support_establishment;
ALTER TABLE dossiers DROP COLUMN directeur_operationnel;
DROP TABLE partners;
