-- The accidents the black-spot methods count: those of the period [:start, :end) placed on a route
-- with a stake, optionally within a bounding box, an area (county adcode, or a prefix for a city or
-- the province) and road classes. Direction 'both' where the record gives none.
SELECT a.route_code,
       coalesce(a.direction, 'both') AS direction,
       a.stake_m,
       a.severity,
       a.deaths,
       a.injuries,
       s.road_class,
       a.county_adcode
FROM accidents a
LEFT JOIN road_segments s ON s.id = a.segment_id
WHERE a.occurred_at >= :start AND a.occurred_at < :end
  AND a.route_code IS NOT NULL AND a.stake_m IS NOT NULL
  AND (CAST(:minx AS double precision) IS NULL
       OR a.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:area AS text) IS NULL OR a.county_adcode LIKE :area)
  AND (CAST(:classes AS text[]) IS NULL OR s.road_class = ANY (CAST(:classes AS text[])))
