-- Incidents carry a version, one more with every accepted change (create = 1): the strong ETag of an
-- incident, checked against If-Match. Each history entry records the version its change made, so the
-- history and the stored record agree, and no two changes of an incident can claim the same version.
ALTER TABLE incidents ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);
ALTER TABLE incident_changes ADD COLUMN version integer;
UPDATE incident_changes c SET version = n.v
FROM (SELECT id, row_number() OVER (PARTITION BY incident_id ORDER BY id) AS v FROM incident_changes) n
WHERE n.id = c.id;
UPDATE incidents i SET version = v.version
FROM (SELECT incident_id, max(version) AS version FROM incident_changes GROUP BY incident_id) v
WHERE v.incident_id = i.id;
ALTER TABLE incident_changes ALTER COLUMN version SET NOT NULL;
CREATE UNIQUE INDEX incident_changes_version_idx ON incident_changes (incident_id, version);
DROP INDEX incident_changes_incident_idx;  -- the unique index serves lookups by incident too
