-- The stake ranges of the coverage priorities' hazard zones (planning/priorities.py): a zone recorded on a
-- route with its own stakes (properties from_stake_m / to_stake_m) is that range of that route, with no
-- geometry to intersect; the other zones are cut from the measured roads they cover, as
-- queries/coverage_hazard_stretches.sql cuts them. One row per range: kind, route, road class, stakes.
WITH zone AS (
    SELECT z.id, z.kind, z.route_code, z.geom,
           CASE WHEN jsonb_typeof(z.properties -> 'from_stake_m') = 'number'
                THEN (z.properties ->> 'from_stake_m')::float8 END AS a,
           CASE WHEN jsonb_typeof(z.properties -> 'to_stake_m') = 'number'
                THEN (z.properties ->> 'to_stake_m')::float8 END AS b
    FROM hazard_zones z
    WHERE z.active AND z.kind = ANY (:kinds)
), staked AS (
    SELECT z.kind, z.route_code, r.road_class, z.a, z.b
    FROM zone z
    CROSS JOIN LATERAL (
        SELECT s.road_class FROM road_segments s
        WHERE s.route_code = z.route_code AND s.road_class = ANY (:classes)
        LIMIT 1
    ) r
    WHERE z.route_code IS NOT NULL AND z.a IS NOT NULL AND z.b IS NOT NULL
), piece AS (
    SELECT z.kind, s.route_code, s.road_class, s.start_stake_m, s.end_stake_m, s.geom AS seg_geom, d.geom
    FROM zone z
    JOIN road_segments s ON s.geom && z.geom AND s.road_class = ANY (:classes)
    CROSS JOIN LATERAL ST_Dump(ST_Intersection(s.geom, z.geom)) d
    WHERE NOT (z.route_code IS NOT NULL AND z.a IS NOT NULL AND z.b IS NOT NULL)
      AND ST_Intersects(s.geom, z.geom) AND GeometryType(d.geom) = 'LINESTRING'
      AND s.start_stake_m IS NOT NULL AND s.end_stake_m IS NOT NULL
)
SELECT kind, route_code, road_class, a, b FROM staked
UNION ALL
SELECT p.kind, p.route_code, p.road_class,
       p.start_stake_m + ST_LineLocatePoint(p.seg_geom, ST_StartPoint(p.geom)) * (p.end_stake_m - p.start_stake_m),
       p.start_stake_m + ST_LineLocatePoint(p.seg_geom, ST_EndPoint(p.geom)) * (p.end_stake_m - p.start_stake_m)
FROM piece p
