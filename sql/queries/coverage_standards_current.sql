-- The coverage standard set in force (the newest, should an interrupted import have left two).
SELECT id, name, version, source, parameters, file_sha256, loaded_by, loaded_at
FROM coverage_standard_sets
ORDER BY id DESC
LIMIT 1
