-- Road segments :segment_ids with their class, route code, name and stakes (the risk trigger's).
SELECT s.id AS segment_id, s.road_class, s.route_code, s.name, s.start_stake_m, s.end_stake_m
FROM road_segments s
WHERE s.id = ANY(CAST(:segment_ids AS bigint[]))
ORDER BY s.id
