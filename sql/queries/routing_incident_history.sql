-- The change history of one incident, oldest first.
SELECT action, changed_by, changed_at, changes FROM incident_changes WHERE incident_id = :id ORDER BY id
