-- Titles as searches read them (lower case, without accents: see
-- src/search.rs). Rows written before are given theirs when the server
-- starts, by code: SQL has no portable way to take accents off.
ALTER TABLE dossiers ADD COLUMN search_key TEXT;
ALTER TABLE labels ADD COLUMN search_key TEXT;
