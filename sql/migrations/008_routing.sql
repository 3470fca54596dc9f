-- Routing: which road segments an incident's geometry or stake range touches (shared by the
-- incident API, which rejects geometries touching no road, and the routing overlay).

-- Segments a closure geometry lies on: a point takes the nearest segment within 30 m; a line
-- takes the segments it runs along (half of the segment or 150 m within 12 m of the line, so that
-- roads merely crossing it are left alone); a polygon takes every segment it touches.
CREATE OR REPLACE FUNCTION daoan_segments_for_geometry(g geometry) RETURNS TABLE (segment_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH parts AS (
        SELECT (ST_Dump(g)).geom AS geom
    )
    SELECT DISTINCT x.id FROM (
        SELECT n.id
        FROM parts p
        CROSS JOIN LATERAL (
            -- KNN candidates from the index first, then the true distance in metres.
            SELECT c.id FROM (
                SELECT s.id, s.geom FROM road_segments s ORDER BY s.geom <-> p.geom LIMIT 8
            ) c
            WHERE ST_DWithin(c.geom::geography, p.geom::geography, 30)
            ORDER BY ST_Distance(c.geom::geography, p.geom::geography), c.id
            LIMIT 1
        ) n
        WHERE ST_Dimension(p.geom) = 0
        UNION ALL
        SELECT s.id
        FROM parts p
        CROSS JOIN LATERAL (SELECT ST_Buffer(p.geom::geography, 12)::geometry AS buf) b
        JOIN road_segments s ON s.geom && b.buf AND ST_Intersects(s.geom, b.buf)
        WHERE ST_Dimension(p.geom) = 1
          AND ST_Length(ST_Intersection(s.geom, b.buf)::geography) >= least(0.5 * s.length_m, 150)
        UNION ALL
        SELECT s.id
        FROM parts p
        JOIN road_segments s ON s.geom && p.geom AND ST_Intersects(s.geom, p.geom)
        WHERE ST_Dimension(p.geom) = 2
    ) x
$$;

-- Segments of `route` overlapping the stake range [lo, hi] (a single stake when lo = hi), with
-- whether the segment's digitisation runs with increasing stakes.
CREATE OR REPLACE FUNCTION daoan_segments_for_stakes(route text, lo double precision, hi double precision)
RETURNS TABLE (segment_id bigint, increasing boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, s.end_stake_m >= s.start_stake_m
    FROM road_segments s
    WHERE s.route_code = route
      AND s.start_stake_m IS NOT NULL AND s.end_stake_m IS NOT NULL
      AND greatest(s.start_stake_m, s.end_stake_m) >= least(lo, hi)
      AND least(s.start_stake_m, s.end_stake_m) <= greatest(lo, hi)
      AND (lo = hi OR (greatest(s.start_stake_m, s.end_stake_m) > least(lo, hi)
                       AND least(s.start_stake_m, s.end_stake_m) < greatest(lo, hi)))
$$;
