-- The road segments crossing a raster's extent (:extent, lon/lat WKT), with what sampling needs.
SELECT id, road_class, route_code, name, oneway, bridge, tunnel, length_m, start_stake_m, end_stake_m,
       ST_AsBinary(geom) AS wkb
FROM road_segments
WHERE geom && ST_GeomFromText(:extent, 4326) AND ST_Intersects(geom, ST_GeomFromText(:extent, 4326))
ORDER BY id
