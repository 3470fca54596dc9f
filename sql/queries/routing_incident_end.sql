-- End an incident now (it stays as history).
UPDATE incidents SET ended_at = now(), updated_by = :who, updated_at = now() WHERE id = :id RETURNING ended_at
