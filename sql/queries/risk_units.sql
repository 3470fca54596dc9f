-- The units of the risk model: every road segment (one of no length adds no exposure) with its class, length, the
-- kinds of active hazard zone it lies under, its midpoint (for its weather station), its DEM values
-- (segment_terrain; NULL where none) and its line (for its curvature). A zone with stakes (its
-- properties from_stake_m/to_stake_m) covers the segments of its route overlapping them, :pad_m either
-- side; a zone without stakes covers the segments it intersects.
WITH z AS (
    SELECT kind, route_code, geom,
           least((properties ->> 'from_stake_m')::float8, (properties ->> 'to_stake_m')::float8) - :pad_m AS lo,
           greatest((properties ->> 'from_stake_m')::float8, (properties ->> 'to_stake_m')::float8) + :pad_m AS hi
    FROM hazard_zones
    WHERE active AND kind = ANY (CAST(:kinds AS text[]))
), flag AS (
    SELECT s.id, z.kind
    FROM z
    JOIN road_segments s
      ON z.lo IS NOT NULL AND s.route_code = z.route_code
     AND least(s.start_stake_m, s.end_stake_m) < z.hi AND greatest(s.start_stake_m, s.end_stake_m) > z.lo
    UNION
    SELECT s.id, z.kind
    FROM z
    JOIN road_segments s ON z.lo IS NULL AND ST_Intersects(s.geom, z.geom)
), zoned AS (
    SELECT id, array_agg(kind ORDER BY kind) AS zones FROM flag GROUP BY id
)
SELECT s.id, s.road_class, s.length_m, coalesce(zd.zones, '{}') AS zones,
       ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS mid_lon, ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS mid_lat,
       abs(t.grade_pct) AS grade_pct, t.altitude_mean_m AS altitude_m, ST_AsBinary(s.geom) AS wkb
FROM road_segments s
LEFT JOIN zoned zd ON zd.id = s.id
LEFT JOIN segment_terrain t ON t.id = s.id
ORDER BY s.id
