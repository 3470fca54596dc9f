-- County, township and village roads are numbered within their county (GB/T 917-2017: X/Y/C and three
-- digits), so Y001 names one road in each county. The road database's 路线编码 appends the county's
-- 行政区划代码 (Y001430423: 衡山县's Y001). Segments keep the number in route_code and the county in
-- county_adcode; wherever a route is named by stakes, the full code picks the county's road:
-- daoan_route_number('Y001430423') = 'Y001', daoan_route_county('Y001430423') = '430423' (NULL for G4).
-- A network imported with the full 路线编码 in route_code is matched by it as before.
CREATE OR REPLACE FUNCTION daoan_route_number(route text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN upper(route) ~ '^[XYCZ][0-9]{3}[0-9]{6}$' THEN upper(left(route, 4)) ELSE route END
$$;

CREATE OR REPLACE FUNCTION daoan_route_county(route text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN upper(route) ~ '^[XYCZ][0-9]{3}[0-9]{6}$' THEN right(route, 6) END
$$;

-- As in 008, with the route named by number or by 路线编码.
CREATE OR REPLACE FUNCTION daoan_segments_for_stakes(route text, lo double precision, hi double precision)
RETURNS TABLE (segment_id bigint, increasing boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, s.end_stake_m >= s.start_stake_m
    FROM road_segments s
    WHERE s.route_code IN (route, daoan_route_number(route))
      AND (s.route_code = route OR s.county_adcode = daoan_route_county(route))
      AND s.start_stake_m IS NOT NULL AND s.end_stake_m IS NOT NULL
      AND greatest(s.start_stake_m, s.end_stake_m) >= least(lo, hi)
      AND least(s.start_stake_m, s.end_stake_m) <= greatest(lo, hi)
      AND (lo = hi OR (greatest(s.start_stake_m, s.end_stake_m) > least(lo, hi)
                       AND least(s.start_stake_m, s.end_stake_m) < greatest(lo, hi)))
$$;

-- As in 005, likewise.
CREATE OR REPLACE FUNCTION daoan_point_at_stake(route text, stake double precision)
RETURNS TABLE (segment_id bigint, fraction double precision, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, f.fraction, ST_LineInterpolatePoint(s.geom, f.fraction)
    FROM road_segments s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN s.end_stake_m = s.start_stake_m THEN 0
                    ELSE (stake - s.start_stake_m) / (s.end_stake_m - s.start_stake_m) END AS fraction
    ) f
    WHERE s.route_code IN (route, daoan_route_number(route))
      AND (s.route_code = route OR s.county_adcode = daoan_route_county(route))
      AND stake BETWEEN least(s.start_stake_m, s.end_stake_m) AND greatest(s.start_stake_m, s.end_stake_m)
    ORDER BY s.start_stake_m <= s.end_stake_m DESC, s.id
    LIMIT 1
$$;
