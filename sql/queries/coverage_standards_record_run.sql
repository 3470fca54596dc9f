-- Record a standards import among the import runs.
INSERT INTO import_runs (layer, source_file, rows_loaded, imported_by)
VALUES ('coverage_standards', :f, :n, :by)
