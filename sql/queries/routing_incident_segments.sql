-- Segments affected by every incident in force at :at and the directions closed or capped:
-- `along` / `against` the segment's digitisation. Stake-range incidents use the stakes
-- (forward = increasing stakes); the others their geometry (forward = along the digitisation).
-- `lo_f`, `hi_f`: the part of the segment the incident covers, as fractions along its digitisation
-- (issue 13: a closure acts on the stakes asked, not on the whole segments they touch): by stakes,
-- interpolated between the segment's stakes; by geometry, where the point, the drawn line (its 12 m
-- band, as daoan_segments_for_geometry reads it) or the polygon lies on the segment. A point gives
-- lo_f = hi_f (the overlay widens it: routing/data/closure_rules.toml).
-- Entrance closures act on toll stations, not segments, and are read by routing_entrance_closures.sql.
WITH live AS (
    SELECT i.id, i.kind, i.effect, i.speed_cap_kmh, i.direction, i.route_code, i.from_stake_m, i.to_stake_m, i.geom
    FROM incidents i
    WHERE i.starts_at <= :at AND (i.ended_at IS NULL OR i.ended_at > :at) AND (i.ends_at IS NULL OR i.ends_at > :at)
      AND i.kind <> 'entrance_closure'
)
SELECT l.id AS incident_id, l.kind, l.effect, l.speed_cap_kmh, l.route_code, l.from_stake_m, l.to_stake_m, x.segment_id,
       l.direction = 'both' OR (l.direction = 'forward') = x.increasing AS along,
       l.direction = 'both' OR (l.direction = 'backward') = x.increasing AS against,
       least(f.a, f.b) AS lo_f, greatest(f.a, f.b) AS hi_f
FROM live l
CROSS JOIN LATERAL daoan_segments_for_stakes(l.route_code, l.from_stake_m, l.to_stake_m) x
JOIN road_segments s ON s.id = x.segment_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.end_stake_m = s.start_stake_m THEN 0
                ELSE greatest(0, least(1, (least(l.from_stake_m, l.to_stake_m) - s.start_stake_m)
                                          / (s.end_stake_m - s.start_stake_m))) END AS a,
           CASE WHEN s.end_stake_m = s.start_stake_m THEN 1
                ELSE greatest(0, least(1, (greatest(l.from_stake_m, l.to_stake_m) - s.start_stake_m)
                                          / (s.end_stake_m - s.start_stake_m))) END AS b
) f
WHERE l.route_code IS NOT NULL AND l.from_stake_m IS NOT NULL AND l.to_stake_m IS NOT NULL
UNION ALL
SELECT l.id, l.kind, l.effect, l.speed_cap_kmh, l.route_code, l.from_stake_m, l.to_stake_m, x.segment_id,
       l.direction IN ('both', 'forward'), l.direction IN ('both', 'backward'),
       coalesce(f.lo, 0), coalesce(f.hi, 1)
FROM live l
CROSS JOIN LATERAL daoan_segments_for_geometry(l.geom) x
JOIN road_segments s ON s.id = x.segment_id
CROSS JOIN LATERAL (
    SELECT min(ST_LineLocatePoint(s.geom, p.geom)) AS lo, max(ST_LineLocatePoint(s.geom, p.geom)) AS hi
    FROM (SELECT (ST_Dump(l.geom)).geom AS geom) part
    CROSS JOIN LATERAL (
        SELECT CASE ST_Dimension(part.geom)
                   WHEN 0 THEN part.geom
                   WHEN 1 THEN ST_Intersection(s.geom, ST_Buffer(part.geom::geography, 12)::geometry)
                   ELSE ST_Intersection(s.geom, part.geom)
               END AS on_road
        WHERE ST_Dimension(part.geom) > 0 OR ST_DWithin(part.geom::geography, s.geom::geography, 30)
    ) cut
    CROSS JOIN LATERAL ST_DumpPoints(cut.on_road) p
    WHERE NOT ST_IsEmpty(cut.on_road)
) f
WHERE l.route_code IS NULL OR l.from_stake_m IS NULL OR l.to_stake_m IS NULL
