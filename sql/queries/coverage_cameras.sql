-- Cameras of the counted kinds in service at the end of :at (today when NULL), and those put into
-- service by then (for construction counts), with the segment they lie on: its route, class and
-- direction of stakes, the camera's stake and county, its install date and whether it is in service.
SELECT c.id, coalesce(s.route_code, c.route_code) AS route_code, s.road_class, s.oneway,
       s.start_stake_m, s.end_stake_m, c.stake_m, coalesce(c.county_adcode, s.county_adcode, '') AS county_adcode,
       c.install_date, daoan_in_service(c.status, c.install_date, c.retired_on, CAST(:at AS date)) AS in_service
FROM cameras c
LEFT JOIN road_segments s ON s.id = c.segment_id
WHERE c.kind = ANY (:kinds)
  AND (daoan_in_service(c.status, c.install_date, c.retired_on, CAST(:at AS date))
       OR (c.status <> 'planned' AND c.install_date <= coalesce(CAST(:at AS date), current_date)))
