-- Road segments for network kernel density (analysis/nkde_db.py): every segment with both end nodes
-- and a length, optionally only those meeting a WGS84 box (:minlon, :minlat, :maxlon, :maxlat; NULL =
-- anywhere), an area given as WKT in WGS84 (:area; NULL = anywhere) and some road classes
-- (:classes, a text array; NULL = all). In id order.
SELECT s.id, s.source_node, s.target_node, s.length_m, s.road_class, s.route_code,
       s.start_stake_m, s.end_stake_m, ST_AsBinary(s.geom) AS wkb
FROM road_segments s
WHERE s.source_node IS NOT NULL AND s.target_node IS NOT NULL AND s.length_m > 0
  AND (CAST(:minlon AS float8) IS NULL
       OR s.geom && ST_MakeEnvelope(CAST(:minlon AS float8), CAST(:minlat AS float8),
                                    CAST(:maxlon AS float8), CAST(:maxlat AS float8), 4326))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(s.geom, ST_GeomFromText(CAST(:area AS text), 4326)))
  AND (CAST(:classes AS text[]) IS NULL OR s.road_class = ANY(CAST(:classes AS text[])))
ORDER BY s.id
