-- The road under each black spot: the pieces of its route's segments between its stakes, in its
-- direction (segments whose stakes rise for 'up', fall for 'down'; two-way segments serve both).
WITH spot AS (
    SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:routes AS text[]), CAST(:dirs AS text[]),
                         CAST(:lo AS double precision[]), CAST(:hi AS double precision[])) AS t(id, route, dir, lo, hi)
)
SELECT spot.id,
       ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_Collect(
           ST_LineSubstring(s.geom, least(f.a, f.b), greatest(f.a, f.b))), 2)), 6) AS geometry
FROM spot
JOIN road_segments s
  ON s.route_code = spot.route
 AND greatest(s.start_stake_m, s.end_stake_m) > spot.lo
 AND least(s.start_stake_m, s.end_stake_m) < spot.hi
 AND (spot.dir = 'both' OR NOT coalesce(s.oneway, false) OR (spot.dir = 'up') = (s.end_stake_m > s.start_stake_m))
CROSS JOIN LATERAL (
    SELECT least(greatest((spot.lo - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS a,
           least(greatest((spot.hi - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS b
) f
WHERE f.a IS NOT NULL AND f.b IS NOT NULL AND f.a <> f.b
GROUP BY spot.id
