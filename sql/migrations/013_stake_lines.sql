-- Lines along stake ranges of road segments, merged per stretch: the geometry of coverage gaps both in
-- the GeoJSON answers (sql/queries/coverage_lines_at.sql) and in the stored layer
-- (sql/queries/coverage_gaps_insert.sql). Piece k of a stretch is segment _segments[k] between stakes
-- _from_m[k] and _to_m[k] (metres along its route); pieces are joined in their given order. Pieces on
-- segments without stakes, or of no length, are left out.
CREATE OR REPLACE FUNCTION daoan_stake_lines(
    _stretches bigint[], _segments bigint[], _from_m double precision[], _to_m double precision[]
) RETURNS TABLE (stretch bigint, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH piece AS (
        SELECT p.stretch, p.ord,
               ST_LineSubstring(s.geom, least(f.a, f.b), greatest(f.a, f.b)) AS geom
        FROM unnest(_stretches, _segments, _from_m, _to_m) WITH ORDINALITY AS p(stretch, segment_id, from_m, to_m, ord)
        JOIN road_segments s ON s.id = p.segment_id
        CROSS JOIN LATERAL (
            SELECT least(greatest((p.from_m - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS a,
                   least(greatest((p.to_m - s.start_stake_m) / nullif(s.end_stake_m - s.start_stake_m, 0), 0), 1) AS b
        ) f
        WHERE f.a IS NOT NULL AND f.b IS NOT NULL AND f.a <> f.b
    )
    SELECT piece.stretch, ST_LineMerge(ST_Collect(piece.geom ORDER BY piece.ord))
    FROM piece
    GROUP BY piece.stretch
$$;
