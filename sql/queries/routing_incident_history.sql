-- The change history of one incident, oldest first, each with the version it made.
SELECT action, changed_by, changed_at, changes, version FROM incident_changes WHERE incident_id = :id ORDER BY version
