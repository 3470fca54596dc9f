-- A fingerprint of the road network, so that a graph cached on disk is never taken for another
-- database's (layer versions alone restart when a database is recreated).
SELECT current_database() AS db, (SELECT count(*) FROM road_segments) AS segments,
       (SELECT coalesce(max(id), 0) FROM road_segments) AS max_id,
       (SELECT round(coalesce(sum(length_m), 0)::numeric, 1) FROM road_segments) AS length_m,
       (SELECT count(*) FROM turn_restrictions) AS turns,
       (SELECT coalesce(max(id), 0) FROM road_nodes) AS max_node
