-- Record an import run (file name only, never a machine path).
INSERT INTO import_runs (layer, source_file, rows_loaded, rows_skipped, imported_by)
VALUES (:layer, :source_file, :rows_loaded, :rows_skipped, :imported_by)
