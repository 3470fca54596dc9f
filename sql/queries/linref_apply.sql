-- Linearly reference the rows of one point-facility table (named by the caller from the layer
-- catalogue, then quoted) whose ids are given: nearest segment, route, stake, offset, distance.
-- Same answers as daoan_locate_point (sql/migrations/005) row by row, computed set-based:
-- daoan_locate_point takes the 16 segments nearest in degrees (KNN) and keeps the one nearest in
-- metres (geography distance, then the lower id). Here every segment within :radius_deg degrees of
-- a point is fetched by one index join. When at most 16 lie there, all of them are among the 16 KNN
-- candidates, and any other candidate lies more than :radius_deg degrees away, so more than
-- 0.9 * 110574 m * cos(|lat| + 1°) per degree (110574 m: the shortest degree of latitude on the
-- WGS84 ellipsoid; a degree of longitude is at least that times cos(lat); 0.9 and the 10 m take up
-- the difference between straight edges in degrees and geodesic edges): if the nearest segment
-- found is nearer than that, it is the function's answer. Every other row (no segment within the
-- radius, more than 16, or the nearest too far) is located by daoan_locate_point itself.
-- :keep_stakes keeps the stake a row states (a register's 桩号 on its route) instead of the segment's.
WITH src AS MATERIALIZED (
    SELECT p.id, p.geom FROM {table} AS p WHERE p.id = ANY (CAST(:ids AS bigint[]))
), near AS MATERIALIZED (
    SELECT d.pid, d.id, d.dist, count(*) OVER (PARTITION BY d.pid) AS n
    FROM (
        SELECT p.id AS pid, s.id, ST_Distance(s.geom::geography, p.geom::geography) AS dist
        FROM src AS p
        JOIN road_segments AS s ON ST_DWithin(s.geom, p.geom, :radius_deg)
        OFFSET 0  -- the distance is computed here, so the window's sort carries ids and distances, not geometries
    ) AS d
), nearest AS (
    SELECT DISTINCT ON (c.pid) c.pid, c.id, c.dist, c.n
    FROM near AS c
    ORDER BY c.pid, c.dist, c.id
), best AS (
    SELECT c.pid, c.id, c.dist, c.n, s.route_code, s.geom, s.start_stake_m, s.end_stake_m, s.county_adcode,
           p.geom AS p, ST_LineLocatePoint(s.geom, p.geom) AS f
    FROM nearest AS c
    JOIN src AS p ON p.id = c.pid
    JOIN road_segments AS s ON s.id = c.id
), quick AS (
    SELECT b.pid AS id, b.id AS segment_id, b.route_code, b.f AS fraction,
           CASE WHEN b.start_stake_m IS NOT NULL AND b.end_stake_m IS NOT NULL
                THEN b.start_stake_m + b.f * (b.end_stake_m - b.start_stake_m) END AS stake_m,
           b.dist * sign(
               (ST_X(e.b) - ST_X(e.a)) * (ST_Y(b.p) - ST_Y(e.a)) -
               (ST_Y(e.b) - ST_Y(e.a)) * (ST_X(b.p) - ST_X(e.a))) AS offset_m,
           b.dist AS distance_m, b.county_adcode
    FROM best AS b
    CROSS JOIN LATERAL (
        SELECT ST_LineInterpolatePoint(b.geom, greatest(b.f - 0.001, 0)) AS a,
               ST_LineInterpolatePoint(b.geom, least(b.f + 0.001, 1)) AS b
    ) AS e
    WHERE b.n <= 16
      AND b.dist < 0.9 * 110574 * :radius_deg * cos(radians(least(abs(ST_Y(b.p)) + 1, 89))) - 10
), located AS (
    SELECT q.id, q.segment_id, q.route_code, q.stake_m, q.offset_m, q.distance_m, q.county_adcode
    FROM quick AS q
    UNION ALL
    SELECT p.id, l.segment_id, l.route_code, l.stake_m, l.offset_m, l.distance_m, l.county_adcode
    FROM src AS p
    CROSS JOIN LATERAL daoan_locate_point(p.geom) AS l
    WHERE NOT EXISTS (SELECT FROM quick AS q WHERE q.id = p.id)
)
UPDATE {table} AS t
SET segment_id = l.segment_id,
    route_code = coalesce(t.route_code, l.route_code),
    stake_m = CASE WHEN :keep_stakes AND t.stake_m IS NOT NULL THEN t.stake_m ELSE l.stake_m END,
    stake = daoan_format_stake(CASE WHEN :keep_stakes AND t.stake_m IS NOT NULL THEN t.stake_m ELSE l.stake_m END),
    offset_m = l.offset_m,
    road_distance_m = l.distance_m,
    county_adcode = coalesce(t.county_adcode, l.county_adcode)
FROM located AS l
WHERE t.id = l.id
