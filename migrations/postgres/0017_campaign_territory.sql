-- A call for projects may be set by one territory for itself (the
-- académie of a Lycée des métiers campaign): its scope code, NULL for a
-- national call.
ALTER TABLE campaigns ADD COLUMN territory TEXT;
