-- One row per import run, for the record: who loaded what and how many rows.
INSERT INTO import_runs (layer, source_file, rows_loaded, rows_skipped, imported_by)
VALUES (:layer, :source_file, :rows_loaded, :rows_skipped, :imported_by)
RETURNING id
