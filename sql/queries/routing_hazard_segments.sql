-- Segments inside every active hazard zone (for hazard_ids on routes and avoid=hazards).
SELECT z.id AS zone_id, z.kind, s.id AS segment_id
FROM hazard_zones z
JOIN road_segments s ON s.geom && z.geom AND ST_Intersects(s.geom, z.geom)
WHERE z.active
