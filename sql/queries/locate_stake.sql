-- The point at a stake on a route, with the segment it lies on.
SELECT p.segment_id, p.fraction, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
       s.name, s.road_class, s.route_code, s.start_stake_m, s.end_stake_m
FROM daoan_point_at_stake(:route, :stake_m) p
JOIN road_segments s ON s.id = p.segment_id
