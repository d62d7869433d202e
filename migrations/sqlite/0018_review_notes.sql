-- A review's comment per criterion (the event's `notes` input), by
-- criterion code; reviews written before have none.
ALTER TABLE reviews ADD COLUMN notes TEXT NOT NULL DEFAULT '{}';
