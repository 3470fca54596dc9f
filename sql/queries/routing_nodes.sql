-- Road nodes used by segments: interchange flag and names (decision points of diversion plans).
SELECT n.id, n.interchange, n.name, n.ref, ST_X(n.geom) AS lon, ST_Y(n.geom) AS lat
FROM road_nodes n
WHERE EXISTS (SELECT 1 FROM road_segments s WHERE s.source_node = n.id)
   OR EXISTS (SELECT 1 FROM road_segments s WHERE s.target_node = n.id)
ORDER BY n.id
