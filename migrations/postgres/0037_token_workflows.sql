-- An API token narrowed to some workflows: their ids as a JSON array;
-- NULL for a token acting in every workflow.
ALTER TABLE api_tokens ADD COLUMN workflows TEXT;
