-- A hazard zone derived from a raster: the road it covers (:line, lon/lat WKT) widened by :buffer_m
-- metres; keyed like imported zones (migration 016) by its source and id.
INSERT INTO hazard_zones (name, kind, severity, route_code, source, source_id, properties, natural_key, geom)
SELECT :name, :kind, :severity, :route_code, :source, :source_id, CAST(:properties AS jsonb),
       daoan_natural_key(NULL, :source, :source_id, :kind, :name, g), g
FROM (SELECT ST_Multi(ST_Buffer(ST_GeomFromText(:line, 4326)::geography, :buffer_m)::geometry) AS g) AS z
