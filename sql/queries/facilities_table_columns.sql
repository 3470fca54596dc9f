-- The columns of one layer table that an import may write (generated columns excluded).
SELECT column_name
FROM information_schema.columns
WHERE table_schema = current_schema()
  AND table_name = :table
  AND is_generated = 'NEVER'
ORDER BY ordinal_position
