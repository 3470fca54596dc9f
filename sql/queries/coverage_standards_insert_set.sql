-- Store a coverage standard set (the caller has deleted the previous one in the same transaction).
INSERT INTO coverage_standard_sets (name, version, source, parameters, file_sha256, loaded_by)
VALUES (:name, :version, :source, CAST(:parameters AS jsonb), :sha, :by)
RETURNING id
