-- Liveness of the database and the PostGIS version, and one real spatial predicate: a connection that
-- outlived a restore (the extension made again) fails here as the map's and routes' queries would.
SELECT postgis_lib_version() AS postgis, current_setting('server_version') AS postgres,
       ST_Intersects(ST_MakeEnvelope(112.0, 28.0, 113.0, 29.0, 4326),
                     ST_SetSRID(ST_MakePoint(112.5, 28.5), 4326)) AS spatial
