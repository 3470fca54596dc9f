-- The segments of a risk answer (:ids) with what a duty officer reads: route, name, stakes, county, line.
SELECT id, route_code, name, start_stake_m, end_stake_m, county_adcode, ST_AsGeoJSON(geom, 6) AS geometry
FROM road_segments
WHERE id = ANY (CAST(:ids AS bigint[]))
