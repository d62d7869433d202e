-- When a step showed the dossier's reviews to its owners (anonymised) before
-- the decision: the phase where they answer the reports. From then on they
-- and the staff in scope read them, as after a decision.
ALTER TABLE dossiers ADD COLUMN reviews_shown_at BIGINT;
