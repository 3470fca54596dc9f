-- Segments of the road classes coverage measures: route, stakes, county, direction and structure.
SELECT s.id, s.route_code, s.road_class, s.oneway, s.start_stake_m, s.end_stake_m, s.length_m,
       coalesce(s.county_adcode, '') AS county_adcode, (s.bridge OR s.tunnel) AS structure
FROM road_segments s
WHERE s.road_class = ANY (:classes)
