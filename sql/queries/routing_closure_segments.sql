-- Segments a closure acts on and in which directions (along / against the digitisation): by
-- stakes when a route and stakes are given (forward = increasing stakes), else by geometry.
SELECT x.segment_id,
       :direction = 'both' OR (:direction = 'forward') = x.increasing AS along,
       :direction = 'both' OR (:direction = 'backward') = x.increasing AS against
FROM daoan_segments_for_stakes(CAST(:route AS text), CAST(:lo AS float8), CAST(:hi AS float8)) x
WHERE CAST(:route AS text) IS NOT NULL AND CAST(:lo AS float8) IS NOT NULL
UNION ALL
SELECT x.segment_id, :direction IN ('both', 'forward'), :direction IN ('both', 'backward')
FROM daoan_segments_for_geometry(ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326)) x
WHERE CAST(:route AS text) IS NULL OR CAST(:lo AS float8) IS NULL
