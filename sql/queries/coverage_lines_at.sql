-- Lines along stake ranges of given segments, merged per stretch (a gap), as GeoJSON geometries.
WITH piece AS (
    SELECT p.stretch, p.ord,
           ST_LineSubstring(s.geom, least(f.a, f.b), greatest(f.a, f.b)) AS geom
    FROM unnest(CAST(:stretch_ids AS bigint[]), CAST(:segment_ids AS bigint[]),
                CAST(:from_m AS double precision[]), CAST(:to_m AS double precision[])) WITH ORDINALITY
         AS p(stretch, segment_id, from_m, to_m, ord)
    JOIN road_segments s ON s.id = p.segment_id
    CROSS JOIN LATERAL (
        SELECT least(greatest((p.from_m - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS a,
               least(greatest((p.to_m - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS b
    ) f
    WHERE f.a IS NOT NULL AND f.b IS NOT NULL AND f.a <> f.b
)
SELECT stretch, ST_AsGeoJSON(ST_LineMerge(ST_Collect(geom ORDER BY ord)), 6) AS geometry
FROM piece
GROUP BY stretch
