-- Facilities of one point layer (the table named by the caller from the layer catalogue, then quoted)
-- to reference again after a road import: those whose segment went with the old network, and with
-- --append those near the lines just loaded.
SELECT id FROM {table}
WHERE segment_id IS NULL
   OR (:append AND geom && ST_Expand(ST_MakeEnvelope(:west, :south, :east, :north, 4326), 0.01))
ORDER BY id
