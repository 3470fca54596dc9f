-- The columns of table :table_name and their types' names (int8, text, geometry …), for gis/bulk.py's
-- binary COPY, which sends each value in its column's own binary form.
SELECT a.attname AS name, t.typname AS type_name
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(:table_name) AND a.attnum > 0 AND NOT a.attisdropped
