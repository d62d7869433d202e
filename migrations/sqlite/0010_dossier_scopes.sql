-- The scopes a dossier's form places it in, written as grant scopes are
-- (`kind:CODE`), replace its région column and académies table: staff
-- visibility and recipients read them whatever the label's scope kinds.

CREATE TABLE dossier_scopes (
    dossier_id TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    PRIMARY KEY (dossier_id, scope)
);
CREATE INDEX dossier_scopes_by_scope ON dossier_scopes (scope);

INSERT INTO dossier_scopes (dossier_id, scope) SELECT dossier_id, 'academie:' || academie FROM dossier_academies;
INSERT INTO dossier_scopes (dossier_id, scope) SELECT id, 'region:' || region FROM dossiers WHERE region <> '';

DROP TABLE dossier_academies;
DROP INDEX dossiers_by_region;
ALTER TABLE dossiers DROP COLUMN region;
