-- The provinces next to the province in admin_areas, out of :provinces (a GeoJSON FeatureCollection of
-- candidate provinces, each with its name): each one's common name (湖北, 广西, 重庆), its outline outside
-- the province (the shared border is the province's own line) within :margin degrees round it, and a point
-- to write its name: within :near degrees of the province (seen when the map is fitted to it), facing the
-- province's middle (the centre of the largest circle inside that strip of the neighbour within :reach
-- degrees of the neighbour's point nearest the province's centroid). Nothing without a province.
WITH p AS (
    SELECT ST_SimplifyPreserveTopology(ST_Union(geom), :tolerance) AS geom
    FROM admin_areas WHERE level = 'province'
), n AS (
    SELECT f -> 'properties' ->> 'name' AS name,
           ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(f ->> 'geometry'), 4326)) AS geom
    FROM json_array_elements(CAST(:provinces AS json) -> 'features') AS f
), near AS (
    SELECT n.name, n.geom AS province, p.geom AS home,
           ST_CollectionExtract(ST_Intersection(
               ST_Intersection(n.geom, ST_Buffer(p.geom, :near)),
               ST_Buffer(ST_ClosestPoint(n.geom, ST_Centroid(p.geom)), :reach)), 3) AS strip
    FROM n, p
    WHERE p.geom IS NOT NULL
      AND ST_DWithin(n.geom, p.geom, :touch)
      AND NOT ST_Contains(n.geom, ST_PointOnSurface(p.geom))  -- the province itself
)
SELECT name,
       daoan_place_label(name, 'province') AS label,
       ST_AsGeoJSON(ST_Intersection(ST_Difference(ST_Boundary(province), ST_Buffer(home, :gap)),
                                    ST_Expand(ST_Envelope(home), :margin)), 5) AS outline,
       ST_AsGeoJSON((ST_MaximumInscribedCircle(strip)).center, 4) AS label_point
FROM near
WHERE NOT ST_IsEmpty(strip)
ORDER BY name
