-- What the coverage priorities' hazard stretches are made of: this database (its oid: a process may
-- serve several in turn, as the tests do) and the versions of its hazard zones and road network;
-- planning/priorities.py keeps its stretches until one changes.
SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) AS database_oid,
       coalesce(max(version) FILTER (WHERE layer = 'hazard_zones'), 0) AS hazard_zones,
       coalesce(max(version) FILTER (WHERE layer = 'road_segments'), 0) AS road_segments
FROM layer_versions
