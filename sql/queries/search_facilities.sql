-- Facilities of one layer (identifier from the catalogue) whose name matches.
SELECT id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, route_code, stake
FROM {table}
WHERE name ILIKE :pattern
ORDER BY id
LIMIT :limit
