-- Record who changed an incident, how, when, and the version the change made (under the row lock).
INSERT INTO incident_changes (incident_id, action, changed_by, changes, version)
SELECT :id, :action, :who, CAST(:changes AS jsonb), version FROM incidents WHERE id = :id
