-- Roads whose route code or name matches: one row per road (route code and name).
SELECT route_code, name, min(road_class) AS road_class, count(*) AS segments,
       round(sum(length_m)) AS length_m,
       ST_XMin(ST_Extent(geom)) AS minx, ST_YMin(ST_Extent(geom)) AS miny,
       ST_XMax(ST_Extent(geom)) AS maxx, ST_YMax(ST_Extent(geom)) AS maxy
FROM road_segments
WHERE upper(route_code) = upper(:q) OR name ILIKE :pattern
GROUP BY route_code, name
ORDER BY (upper(route_code) = upper(:q)) DESC, count(*) DESC
LIMIT :limit
