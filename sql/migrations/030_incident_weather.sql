-- The weather an operator declares on an incident (issue 13): signs, plans and the legal basis name it
-- (fog: 实施条例第八十一条; ice: 第七十八条 / 第四十六条) whatever hazard zone the closure touches; NULL lets
-- the plan take it from the fog or ice zone the closure lies in, as before.
ALTER TABLE incidents ADD COLUMN weather text CHECK (weather IN ('fog', 'ice'));
