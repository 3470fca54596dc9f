-- Roads whose route code or name matches: one row per road (route code and name).
-- length_m counts the centreline once: a dual carriageway is drawn as two one-way lines, so one-way
-- segments count only in the direction that has more of them (by stakes where the segment has them,
-- else by whether it runs along or against the road's longer extent); two-way segments count whole.
-- carriageways_length_m is the plain sum; lon/lat a point on the road nearest its extent's centre.
-- Township and village roads are numbered within their county (029_rural_route_codes.sql): one row per
-- county (`county`), and the 路线编码 (Y001430423) finds that county's road.
WITH hit AS (
    SELECT s.route_code, s.name, s.road_class, s.length_m, s.oneway, s.start_stake_m, s.end_stake_m, s.geom,
           CASE WHEN s.road_class IN ('township', 'village') THEN s.county_adcode END AS county
    FROM road_segments s
    WHERE upper(s.route_code) = upper(:q) OR s.name ILIKE :pattern
       OR (s.route_code = daoan_route_number(upper(:q)) AND s.county_adcode = daoan_route_county(:q))
), road AS (
    SELECT route_code, name, county, min(road_class) AS road_class, count(*) AS segments,
           sum(length_m) AS carriageways_length_m, ST_Extent(geom) AS box,
           ST_ClosestPoint(ST_Collect(geom), ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 4326)) AS mid
    FROM hit GROUP BY route_code, name, county
), way AS (
    SELECT h.route_code, h.name, h.county, h.length_m,
           CASE WHEN NOT h.oneway THEN 0
                WHEN h.end_stake_m IS DISTINCT FROM h.start_stake_m AND h.end_stake_m IS NOT NULL
                     AND h.start_stake_m IS NOT NULL THEN sign(h.end_stake_m - h.start_stake_m)::int
                WHEN ST_XMax(r.box) - ST_XMin(r.box) >= ST_YMax(r.box) - ST_YMin(r.box)
                     THEN CASE WHEN ST_X(ST_EndPoint(h.geom)) >= ST_X(ST_StartPoint(h.geom)) THEN 1 ELSE -1 END
                ELSE CASE WHEN ST_Y(ST_EndPoint(h.geom)) >= ST_Y(ST_StartPoint(h.geom)) THEN 1 ELSE -1 END
           END AS way
    FROM hit h
    JOIN road r ON r.route_code IS NOT DISTINCT FROM h.route_code AND r.name IS NOT DISTINCT FROM h.name
               AND r.county IS NOT DISTINCT FROM h.county
), centre AS (
    SELECT route_code, name, county,
           coalesce(sum(length_m) FILTER (WHERE way = 0), 0)
           + greatest(coalesce(sum(length_m) FILTER (WHERE way = 1), 0),
                      coalesce(sum(length_m) FILTER (WHERE way = -1), 0)) AS length_m
    FROM way GROUP BY route_code, name, county
)
SELECT r.route_code, r.name, r.county, r.road_class, r.segments,
       round(c.length_m) AS length_m, round(r.carriageways_length_m) AS carriageways_length_m,
       ST_XMin(r.box) AS minx, ST_YMin(r.box) AS miny, ST_XMax(r.box) AS maxx, ST_YMax(r.box) AS maxy,
       ST_X(r.mid) AS lon, ST_Y(r.mid) AS lat
FROM road r
JOIN centre c ON c.route_code IS NOT DISTINCT FROM r.route_code AND c.name IS NOT DISTINCT FROM r.name
              AND c.county IS NOT DISTINCT FROM r.county
ORDER BY (upper(r.route_code) = upper(:q)) DESC, r.segments DESC
LIMIT :limit
