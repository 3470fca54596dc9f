-- The network the NKDE runs on: road segments (undirected) with their end nodes and length, within the
-- scope's bounding box, area and road classes; the stakes map lixels back to a route.
SELECT id, source_node, target_node, length_m, route_code, start_stake_m, end_stake_m, road_class, county_adcode
FROM road_segments
WHERE length_m > 0 AND source_node IS NOT NULL AND target_node IS NOT NULL
  AND (CAST(:minx AS double precision) IS NULL OR geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:area AS text) IS NULL OR county_adcode LIKE :area)
  AND (CAST(:classes AS text[]) IS NULL OR road_class = ANY (CAST(:classes AS text[])))
