-- Labels granted before labelflow come from a spreadsheet: the import key
-- (folded title and région) finds a campus again on the next import; the
-- support establishment is kept on the label for exports.
ALTER TABLE labels ADD COLUMN import_key TEXT;
ALTER TABLE labels ADD COLUMN support_establishment TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX labels_by_import_key ON labels (import_key);
UPDATE labels SET support_establishment = (SELECT d.support_establishment FROM dossiers d WHERE d.id = labels.dossier_id)
    WHERE dossier_id IS NOT NULL;
