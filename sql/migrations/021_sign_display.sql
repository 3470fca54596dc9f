-- Variable message signs (情报板) carry their display size: the lines they show and the characters
-- per line (a full-width Chinese character is one; two ASCII letters or digits share one). Diversion
-- plans fit one message to each real sign upstream of a closure (issue 13).
--
-- Existing variable message signs without a size get plausible ones: the expressway gantry boards
-- (门架式) common in Hunan show 2 lines of 12 characters; every third sign is taken as a cantilever
-- board (悬臂式) of 3 lines of 10. Fixed warning signs have no size.

ALTER TABLE guidance_signs
    ADD COLUMN lines smallint CHECK (lines BETWEEN 1 AND 8),
    ADD COLUMN chars_per_line smallint CHECK (chars_per_line BETWEEN 4 AND 40),
    ADD CONSTRAINT guidance_signs_size_both CHECK ((lines IS NULL) = (chars_per_line IS NULL));

UPDATE guidance_signs
SET lines = CASE WHEN id % 3 = 0 THEN 3 ELSE 2 END,
    chars_per_line = CASE WHEN id % 3 = 0 THEN 10 ELSE 12 END
WHERE kind = 'variable_message' AND lines IS NULL;
