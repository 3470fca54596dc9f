-- Record who changed an incident, how and when.
INSERT INTO incident_changes (incident_id, action, changed_by, changes)
VALUES (:id, :action, :who, CAST(:changes AS jsonb))
