-- Points at stakes on given segments (positions the coverage analysis computed), in input order.
SELECT p.i, ST_X(q.pt) AS lon, ST_Y(q.pt) AS lat
FROM unnest(CAST(:segment_ids AS bigint[]), CAST(:stakes AS double precision[])) WITH ORDINALITY
     AS p(segment_id, stake_m, i)
JOIN road_segments s ON s.id = p.segment_id
CROSS JOIN LATERAL (
    SELECT ST_LineInterpolatePoint(s.geom,
        CASE WHEN s.end_stake_m IS NULL OR s.start_stake_m IS NULL OR s.end_stake_m = s.start_stake_m THEN 0.5
             ELSE least(greatest((p.stake_m - s.start_stake_m) / (s.end_stake_m - s.start_stake_m), 0), 1)
        END) AS pt
) q
ORDER BY p.i
