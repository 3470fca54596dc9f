-- The indexes of table :table_name that no constraint owns (name and definition), so that a bulk load
-- into an emptied table can drop them and build them again afterwards, which is much faster than
-- maintaining them row by row. Primary keys and unique constraints stay in place.
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid = to_regclass(:table_name)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
