-- Single columns of one table that a unique index covers (the primary key excluded), so that an
-- import can report every duplicate row instead of failing on the first with a database error.
SELECT a.attname AS column_name
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = CAST(:table AS regclass)
  AND i.indisunique
  AND NOT i.indisprimary
  AND i.indnatts = 1
  AND i.indexprs IS NULL
  AND i.indpred IS NULL
ORDER BY a.attnum
