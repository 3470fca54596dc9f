-- Linearly reference the rows of one point-facility table (named by the caller from the layer
-- catalogue, then quoted) whose ids are given: nearest segment, route, stake, offset, distance.
UPDATE {table} AS t
SET segment_id = l.segment_id,
    route_code = coalesce(t.route_code, l.route_code),
    stake_m = l.stake_m,
    stake = daoan_format_stake(l.stake_m),
    offset_m = l.offset_m,
    road_distance_m = l.distance_m,
    county_adcode = coalesce(t.county_adcode, l.county_adcode)
FROM {table} AS src
CROSS JOIN LATERAL daoan_locate_point(src.geom) AS l
WHERE t.id = src.id AND src.id = ANY (:ids)
