-- Move the staged OSM segments into road_segments, each with the county (admin_areas, level
-- 'county') holding its midpoint; NULL where no county polygons are loaded or none holds it.
INSERT INTO road_segments (id, road_class, route_code, name, oneway, lanes, maxspeed_kmh, default_speed_kmh,
                           length_m, bridge, tunnel, county_adcode, source_node, target_node, source,
                           source_id, geom)
SELECT s.id, s.road_class, s.route_code, s.name, s.oneway, s.lanes, s.maxspeed_kmh, s.default_speed_kmh,
       s.length_m, s.bridge, s.tunnel, c.adcode, s.source_node, s.target_node, s.source, s.source_id, s.geom
FROM osm_segment_stage s
LEFT JOIN LATERAL (
    SELECT a.adcode
    FROM admin_areas a
    WHERE a.level = 'county' AND ST_Intersects(a.geom, ST_LineInterpolatePoint(s.geom, 0.5))
    ORDER BY a.adcode
    LIMIT 1
) c ON true
ORDER BY s.id
