-- The area around the province, outside it (the basemap's muted neighbours): a box of :margin degrees
-- round the province minus the province, simplified to :tolerance degrees; NULL without a province.
WITH p AS (
    SELECT ST_SimplifyPreserveTopology(ST_Union(geom), :tolerance) AS geom
    FROM admin_areas WHERE level = 'province'
)
SELECT ST_AsGeoJSON(ST_Difference(ST_Expand(ST_Envelope(p.geom), :margin), p.geom), 5) AS geometry
FROM p WHERE p.geom IS NOT NULL
