-- `--replace`: delete the rows of {table} whose natural key is not among the staged rows :ids (the
-- file is the whole layer); rows it holds were upserted and keep their ids.
DELETE FROM {table} AS t
WHERE t.natural_key IS NULL
   OR NOT EXISTS (SELECT 1 FROM import_stage AS s WHERE s.id = ANY (CAST(:ids AS bigint[])) AND s.natural_key = t.natural_key)
