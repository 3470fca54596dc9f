-- Fill segment_terrain (emptied just before) with the staged values; each row takes its segment's
-- class, route and geometry.
INSERT INTO segment_terrain (id, road_class, route_code, structure, altitude_min_m, altitude_mean_m, altitude_max_m,
                             grade_pct, max_grade_pct, climb_m, descent_m, samples, geom)
SELECT t.id, s.road_class, s.route_code, t.structure, t.altitude_min_m, t.altitude_mean_m, t.altitude_max_m,
       t.grade_pct, t.max_grade_pct, t.climb_m, t.descent_m, t.samples, s.geom
FROM raster_terrain_stage t
JOIN road_segments s ON s.id = t.id
