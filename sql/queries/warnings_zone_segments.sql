-- The road segments of hazard zones :zone_ids (a zone's own route when it names one), with what a
-- warning's text and rules need: road class, route code and name, and the segment's stakes.
SELECT z.id AS zone_id, s.id AS segment_id, s.road_class, s.route_code, s.name
FROM hazard_zones z
JOIN road_segments s ON s.geom && z.geom AND ST_Intersects(s.geom, z.geom)
WHERE z.id = ANY(CAST(:zone_ids AS bigint[]))
  AND (z.route_code IS NULL OR s.route_code = z.route_code)
ORDER BY z.id, s.id
