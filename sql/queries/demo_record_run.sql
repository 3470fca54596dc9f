-- Record one table of a demo load in import_runs (the demo replaces every row, import_runs included).
INSERT INTO import_runs (layer, source_file, rows_loaded, imported_by)
VALUES (:layer, :source_file, :rows, 'daoan demo')
