-- A line drawn along one carriageway of a dual carriageway: the route and the stake range it covers,
-- when every segment it touches is a one-way segment of that one route with stake numbers (else no
-- row). The stake of each drawn vertex is read on the touched segment nearest to it, interpolated
-- between the segment's stakes.
WITH g AS (
    SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326) AS geom
), segs AS (
    SELECT s.id, s.route_code, s.oneway, s.start_stake_m, s.end_stake_m, s.geom
    FROM g CROSS JOIN LATERAL daoan_segments_for_geometry(g.geom) x
    JOIN road_segments s ON s.id = x.segment_id
), ok AS (
    SELECT min(route_code) AS route_code
    FROM segs
    HAVING count(*) > 0 AND bool_and(oneway) AND count(DISTINCT route_code) = 1 AND count(route_code) = count(*)
       AND bool_and(start_stake_m IS NOT NULL AND end_stake_m IS NOT NULL)
), stakes AS (
    SELECT n.start_stake_m + (n.end_stake_m - n.start_stake_m) * ST_LineLocatePoint(n.geom, v.geom) AS stake_m
    FROM g CROSS JOIN LATERAL ST_DumpPoints(g.geom) v
    CROSS JOIN LATERAL (SELECT * FROM segs ORDER BY segs.geom <-> v.geom LIMIT 1) n
)
SELECT ok.route_code, min(st.stake_m) AS lo, max(st.stake_m) AS hi
FROM ok, stakes st
GROUP BY ok.route_code
