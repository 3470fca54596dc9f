-- Simplified outlines of the areas of one level (for the report's map), as GeoJSON.
SELECT adcode, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tolerance), 4) AS geometry
FROM admin_areas
WHERE level = :level
ORDER BY adcode
