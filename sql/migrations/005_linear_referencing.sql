-- Linear referencing of a point on the road network, shared by imports, /locate and the demo.

-- 'K1530+200' for 1530200 m (rounded to the metre).
CREATE FUNCTION daoan_format_stake(stake_m double precision) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 'K' || (round(stake_m)::bigint / 1000)::text || '+' ||
           lpad((round(stake_m)::bigint % 1000)::text, 3, '0')
$$;

-- The nearest segment to point p (EPSG:4326) and where p lies along it:
-- fraction along the segment, stake in metres where the route has stakes, signed lateral offset
-- (positive left of the segment's digitised direction) and the true distance in metres.
-- The KNN index gives candidates in degrees; the geography distance picks the nearest in metres.
CREATE FUNCTION daoan_locate_point(p geometry, road_classes text[] DEFAULT NULL)
RETURNS TABLE (segment_id bigint, route_code text, fraction double precision, stake_m double precision,
               offset_m double precision, distance_m double precision, county_adcode text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH candidate AS (
        SELECT s.id, s.route_code, s.geom, s.start_stake_m, s.end_stake_m, s.county_adcode
        FROM road_segments s
        WHERE road_classes IS NULL OR s.road_class = ANY (road_classes)
        ORDER BY s.geom <-> p
        LIMIT 16
    ), best AS (
        SELECT c.*, ST_Distance(c.geom::geography, p::geography) AS dist,
               ST_LineLocatePoint(c.geom, p) AS f
        FROM candidate c
        ORDER BY dist, c.id
        LIMIT 1
    )
    SELECT b.id, b.route_code, b.f,
           CASE WHEN b.start_stake_m IS NOT NULL AND b.end_stake_m IS NOT NULL
                THEN b.start_stake_m + b.f * (b.end_stake_m - b.start_stake_m) END,
           b.dist * sign(
               (ST_X(e.b) - ST_X(e.a)) * (ST_Y(p) - ST_Y(e.a)) -
               (ST_Y(e.b) - ST_Y(e.a)) * (ST_X(p) - ST_X(e.a))),
           b.dist,
           b.county_adcode
    FROM best b
    CROSS JOIN LATERAL (
        SELECT ST_LineInterpolatePoint(b.geom, greatest(b.f - 0.001, 0)) AS a,
               ST_LineInterpolatePoint(b.geom, least(b.f + 0.001, 1)) AS b
    ) e
$$;

-- The point at a stake on a route: the segment whose stake range holds it and the point on it.
CREATE FUNCTION daoan_point_at_stake(route text, stake double precision)
RETURNS TABLE (segment_id bigint, fraction double precision, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, f.fraction, ST_LineInterpolatePoint(s.geom, f.fraction)
    FROM road_segments s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN s.end_stake_m = s.start_stake_m THEN 0
                    ELSE (stake - s.start_stake_m) / (s.end_stake_m - s.start_stake_m) END AS fraction
    ) f
    WHERE s.route_code = route
      AND stake BETWEEN least(s.start_stake_m, s.end_stake_m) AND greatest(s.start_stake_m, s.end_stake_m)
    ORDER BY s.start_stake_m <= s.end_stake_m DESC, s.id
    LIMIT 1
$$;
