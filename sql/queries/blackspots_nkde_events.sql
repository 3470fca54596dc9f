-- The accidents of the scope's period as NKDE events: their segment and the distance from its start
-- (metres along the segment's own length), with their severity.
SELECT a.segment_id, ST_LineLocatePoint(s.geom, a.geom) * s.length_m AS offset_m, a.severity
FROM accidents a
JOIN road_segments s ON s.id = a.segment_id
WHERE a.occurred_at >= :start AND a.occurred_at < :end
  AND s.length_m > 0
  AND (CAST(:minx AS double precision) IS NULL OR a.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:area AS text) IS NULL OR a.county_adcode LIKE :area)
  AND (CAST(:classes AS text[]) IS NULL OR s.road_class = ANY (CAST(:classes AS text[])))
