-- The foreign keys of table :table_name (name and definition), so that a bulk replace by the table's
-- owner can drop them and add them again afterwards: one validating join instead of a lookup (and a
-- row lock on the referenced table) per inserted row.
SELECT conname AS name, pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE conrelid = to_regclass(:table_name) AND contype = 'f'
ORDER BY 1
