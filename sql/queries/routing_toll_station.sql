-- One toll station with its position as GeoJSON.
SELECT id, name, segment_id, route_code, stake_m, ST_AsGeoJSON(geom, 7) AS geometry FROM toll_stations WHERE id = :id
