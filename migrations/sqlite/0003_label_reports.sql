-- Yearly activity reports of labelled campuses, one per anniversary year.
CREATE TABLE label_reports (
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    year BIGINT NOT NULL,
    body TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (label_id, year)
);
