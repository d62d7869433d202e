-- A dossier's form values become one JSON document, checked against its
-- workflow's form (empty values left out, as the application stores them).
-- The région column and dossier_academies stay beside it: the index staff
-- visibility and recipients read, written with the document.

ALTER TABLE dossiers ADD COLUMN form jsonb NOT NULL DEFAULT '{}';

UPDATE dossiers d SET form = jsonb_strip_nulls(jsonb_build_object(
    'filiere', NULLIF(d.filiere, ''),
    'region', NULLIF(d.region, ''),
    'academies', (SELECT jsonb_agg(a.academie ORDER BY a.academie) FROM dossier_academies a WHERE a.dossier_id = d.id),
    'support_establishment', NULLIF(d.support_establishment, ''),
    'directeur_operationnel', NULLIF(d.directeur_operationnel, ''),
    'partners', (SELECT jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'type', p.type) ORDER BY p.created_at, p.name)
        FROM partners p WHERE p.dossier_id = d.id)
));

ALTER TABLE dossiers DROP COLUMN filiere, DROP COLUMN support_establishment, DROP COLUMN directeur_operationnel;
DROP TABLE partners;
