-- The nearest road to a point, where the point lies along it, and the point on the road.
SELECT l.segment_id, l.route_code, l.stake_m, daoan_format_stake(l.stake_m) AS stake, l.offset_m,
       l.distance_m, l.county_adcode, s.name, s.road_class,
       ST_X(ST_LineInterpolatePoint(s.geom, l.fraction)) AS lon,
       ST_Y(ST_LineInterpolatePoint(s.geom, l.fraction)) AS lat
FROM daoan_locate_point(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) l
JOIN road_segments s ON s.id = l.segment_id
