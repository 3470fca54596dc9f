-- Road nodes inside a box (lon/lat), for `daoan import roads --append` to join the new lines to the
-- network already loaded where they share a position.
SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM road_nodes
WHERE geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)
