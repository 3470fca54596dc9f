-- Sites of the empirical-Bayes screening: bins of :site_m metres of stakes along every route, with
-- the carriageway length of each road class in each (a dual carriageway counts both), restricted
-- like the accidents (bounding box, area, road classes).
SELECT x.route_code, x.bin, x.road_class, sum(x.overlap) AS length_m, min(x.county_adcode) AS county_adcode
FROM (
    SELECT s.route_code, s.road_class, s.county_adcode, b AS bin,
           least(s.hi, (b + 1) * :site_m) - greatest(s.lo, b * :site_m) AS overlap
    FROM (
        SELECT route_code, road_class, county_adcode,
               least(start_stake_m, end_stake_m) AS lo, greatest(start_stake_m, end_stake_m) AS hi
        FROM road_segments
        WHERE route_code IS NOT NULL AND start_stake_m IS NOT NULL AND end_stake_m IS NOT NULL
          AND start_stake_m <> end_stake_m
          AND (CAST(:minx AS double precision) IS NULL
               OR geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
          AND (CAST(:area AS text) IS NULL OR county_adcode LIKE :area)
          AND (CAST(:classes AS text[]) IS NULL OR road_class = ANY (CAST(:classes AS text[])))
    ) s
    CROSS JOIN LATERAL generate_series(floor(s.lo / :site_m)::int, floor((s.hi - 1e-6) / :site_m)::int) AS b
) x
WHERE x.overlap > 0
GROUP BY x.route_code, x.bin, x.road_class
