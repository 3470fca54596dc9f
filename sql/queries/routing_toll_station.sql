-- One toll station with its position (GeoJSON, and lon/lat).
SELECT id, name, segment_id, route_code, stake_m, ST_AsGeoJSON(geom, 7) AS geometry,
       ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM toll_stations WHERE id = :id
