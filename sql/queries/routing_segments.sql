-- Every routable road segment with what the routing graph needs, in id order.
-- Segments without both end nodes cannot be joined to the network and are left out.
SELECT s.id, s.source_node, s.target_node, s.oneway,
       coalesce(s.maxspeed_kmh, s.default_speed_kmh)::float8 AS speed_kmh,
       s.length_m, s.road_class, s.route_code, s.name, s.bridge, s.tunnel,
       s.start_stake_m, s.end_stake_m, ST_AsBinary(s.geom) AS wkb
FROM road_segments s
WHERE s.source_node IS NOT NULL AND s.target_node IS NOT NULL
ORDER BY s.id
