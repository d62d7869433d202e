-- A decision's inputs beyond outcome, category, years and motivation (such
-- as a justification the workflow asks for) become one JSON object, as the
-- workflow's decide event declares them, instead of a column each.

ALTER TABLE decisions ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
UPDATE decisions SET details = json_object('excellence_override', excellence_override)
    WHERE excellence_override IS NOT NULL;
ALTER TABLE decisions DROP COLUMN excellence_override;
