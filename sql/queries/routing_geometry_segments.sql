-- How many road segments a closure geometry touches (0 → the geometry is rejected).
SELECT count(*) AS segments FROM daoan_segments_for_geometry(ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326))
