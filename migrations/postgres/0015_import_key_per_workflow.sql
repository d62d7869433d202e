-- A label brought in by an import is known by its key within its own
-- workflow: two labels may name a campus alike.
DROP INDEX labels_by_import_key;
CREATE UNIQUE INDEX labels_by_import_key ON labels (workflow, import_key);
