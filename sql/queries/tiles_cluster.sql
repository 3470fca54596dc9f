-- One point layer of one vector tile with the points clustered on a grid of $10 metres whose cells
-- are aligned with the tile edges (the grid starts at the Web Mercator origin and the cell size
-- divides the tile size), so that neighbouring tiles agree on every cluster. Each cluster is drawn
-- at its lowest-id member, carries that row's id and properties, and counts its members in
-- point_count. Parameters as in tiles_layer.sql, plus $10 the cell size in EPSG:3857 metres; the
-- margin ($6) is a whole number of cells. One index scan, no self-join.
SELECT ST_AsMVT(f.*, $4, 4096, 'geom', 'id')
FROM (
    SELECT t.id,
           t.point_count::integer AS point_count,
           ST_AsMVTGeom(t.geom_3857, t.tile, 4096, $5, true) AS geom{columns}
    FROM (
        SELECT t.*,
               e.tile,
               count(*) OVER cell AS point_count,
               row_number() OVER (cell ORDER BY t.id) AS rank_in_cell
        FROM (SELECT ST_TileEnvelope($1, $2, $3) AS tile,
                     ST_TileEnvelope($1, $2, $3, margin => $6) AS area
              OFFSET 0) e
        JOIN {table} t ON t.geom_3857 && e.area{where}
        WINDOW cell AS (PARTITION BY floor((ST_X(t.geom_3857) + 20037508.342789244) / $10),
                                     floor((ST_Y(t.geom_3857) + 20037508.342789244) / $10))
    ) t
    WHERE t.rank_in_cell = 1
    LIMIT $8
) f
WHERE f.geom IS NOT NULL
