-- Active cameras of the counted kinds (installed by :as_of when given), with the segment they lie on:
-- its route, class and direction of stakes, the camera's stake and county.
SELECT c.id, coalesce(s.route_code, c.route_code) AS route_code, s.road_class, s.oneway,
       s.start_stake_m, s.end_stake_m, c.stake_m, coalesce(c.county_adcode, s.county_adcode, '') AS county_adcode
FROM cameras c
LEFT JOIN road_segments s ON s.id = c.segment_id
WHERE c.status = 'active'
  AND c.kind = ANY (:kinds)
  AND (CAST(:as_of AS integer) IS NULL OR c.install_year IS NULL OR c.install_year <= CAST(:as_of AS integer))
