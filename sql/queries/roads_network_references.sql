-- The foreign keys that point at the road network (table, column, delete rule: c cascade, n set null,
-- others), so that a replacing road import run by a superuser can clear them in bulk rather than one
-- deleted row at a time.
SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confdeltype AS rule
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.confrelid IN ('road_segments'::regclass, 'road_nodes'::regclass)
  AND c.conrelid NOT IN ('road_segments'::regclass, 'road_nodes'::regclass)
ORDER BY 1, 2
