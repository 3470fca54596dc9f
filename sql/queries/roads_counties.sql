-- County polygons (adcode, WKB) of admin_areas, for the county of each imported road segment.
SELECT adcode, ST_AsBinary(geom) AS wkb
FROM admin_areas
WHERE level = 'county'
ORDER BY adcode
