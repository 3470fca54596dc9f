-- End an incident now (it stays as history); nothing when it has already ended.
UPDATE incidents SET ended_at = now(), updated_by = :who, updated_at = now(), version = version + 1
WHERE id = :id AND ended_at IS NULL
RETURNING version
