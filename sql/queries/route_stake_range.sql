-- The stake range a route covers (for messages about stakes off the route); the route by number or by
-- 路线编码 (029_rural_route_codes.sql). `counties`: how many counties' township or village roads carry
-- this number (more than one: the number alone is ambiguous, the 路线编码 is needed).
SELECT min(least(start_stake_m, end_stake_m)) AS lo, max(greatest(start_stake_m, end_stake_m)) AS hi,
       count(*) AS segments,
       count(DISTINCT county_adcode) FILTER (WHERE road_class IN ('township', 'village')) AS counties,
       min(county_adcode) FILTER (WHERE road_class IN ('township', 'village')) AS a_county
FROM road_segments
WHERE route_code IN (:route, daoan_route_number(:route))
  AND (route_code = :route OR county_adcode = daoan_route_county(:route))
