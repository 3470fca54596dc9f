-- The units of the risk model: every road segment with its class, length, the accidents of the period
-- [:start, :end) on it, and the kinds of active hazard zone it lies under. A zone with stakes (its
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
), counted AS (
    SELECT segment_id, count(*) AS n
    FROM accidents
    WHERE occurred_at >= :start AND occurred_at < :end AND segment_id IS NOT NULL
    GROUP BY segment_id
)
SELECT s.id, s.road_class, s.length_m, coalesce(c.n, 0) AS accidents,
       coalesce((SELECT array_agg(DISTINCT f.kind) FROM flag f WHERE f.id = s.id), '{}') AS zones
FROM road_segments s
LEFT JOIN counted c ON c.segment_id = s.id
WHERE s.length_m > 0
ORDER BY s.id
