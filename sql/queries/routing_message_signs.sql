-- Variable message signs (情报板) in service on the road network, with their display size
-- (migration 021), for the sign messages of diversion plans.
SELECT g.id, g.name, g.segment_id, g.route_code, g.stake_m, g.direction, g.lines, g.chars_per_line,
       ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat
FROM guidance_signs g
WHERE g.kind = 'variable_message' AND g.status = 'active' AND g.segment_id IS NOT NULL
