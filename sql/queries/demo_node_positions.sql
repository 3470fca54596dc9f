-- The road nodes' positions (the demo names the imported nodes where its generator named a place).
SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM road_nodes ORDER BY id
