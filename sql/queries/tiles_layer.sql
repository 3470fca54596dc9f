-- One layer of one vector tile (MVT 2.1, extent 4096), run as a prepared statement per layer and
-- zoom band (tiles/queries.py fills in the table, geometry expression, columns and conditions
-- from the layer catalogue: the placeholders in braces below).
--   $1 z, $2 x, $3 y      the tile (XYZ order)
--   $4 layer name         the MVT layer name (the catalogue id)
--   $5 buffer             tile units drawn beyond each edge
--   $6 margin             the query envelope's widening, as a fraction of the tile
--   $7 tolerance          simplification tolerance in EPSG:3857 metres (used when > 0)
--   $8 feature limit      hard cap of features in this layer of the tile
--   $9 allowed values     of the catalogue's filter column at this zoom (when it has one)
-- The filter uses the stored EPSG:3857 copy and its GiST index; ST_AsMVTGeom clips, quantises and
-- fixes ring winding; the row id becomes the feature id. The envelopes are computed once in their
-- own subquery (OFFSET 0 keeps it from being flattened): in the prepared statement's generic plan
-- the tile envelope is then not recomputed per row, and the index is scanned as a bitmap.
SELECT ST_AsMVT(f.*, $4, 4096, 'geom', 'id')
FROM (
    SELECT t.id,
           ST_AsMVTGeom({geom}, e.tile, 4096, $5, true) AS geom{columns}
    FROM (SELECT ST_TileEnvelope($1, $2, $3) AS tile,
                 ST_TileEnvelope($1, $2, $3, margin => $6) AS area
          OFFSET 0) e
    JOIN {table} t ON t.geom_3857 && e.area{where}
    LIMIT $8
) f
WHERE f.geom IS NOT NULL
