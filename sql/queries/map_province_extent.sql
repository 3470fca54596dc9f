-- The bounding box of the province in admin_areas and a checksum of its outline (all NULL without one).
SELECT ST_XMin(x.e) AS minx, ST_YMin(x.e) AS miny, ST_XMax(x.e) AS maxx, ST_YMax(x.e) AS maxy, x.checksum
FROM (
    SELECT ST_Extent(geom) AS e, md5(string_agg(encode(ST_AsEWKB(geom), 'hex'), ',' ORDER BY adcode)) AS checksum
    FROM admin_areas WHERE level = 'province'
) AS x
