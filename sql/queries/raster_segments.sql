-- The road segments whose boxes meet a raster's extent (:extent, a lon/lat rectangle as WKT), with what
-- sampling needs (a segment reaching out of the raster gets values from the part inside).
SELECT id, road_class, route_code, name, oneway, bridge, tunnel, length_m, start_stake_m, end_stake_m,
       ST_AsBinary(geom) AS wkb
FROM road_segments
WHERE geom && ST_GeomFromText(:extent, 4326)
ORDER BY id
