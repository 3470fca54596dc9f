-- `daoan import osm --replace`: delete the facilities of {table} an earlier OSM import loaded that
-- this import did not upsert (the staged rows :ids); those it upserted keep their ids.
DELETE FROM {table} AS t
WHERE t.source = :source
  AND NOT EXISTS (SELECT 1 FROM import_stage AS s WHERE s.id = ANY (CAST(:ids AS bigint[])) AND s.natural_key = t.natural_key)
