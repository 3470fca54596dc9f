-- One page of a layer's features. {columns}, {table} and {where} are composed from the layer
-- catalogue (quoted identifiers, bound values); see layers/features.py.
SELECT id, ST_AsGeoJSON(geom, 7) AS geometry, {columns}
FROM {table}
WHERE {where}
ORDER BY id
LIMIT :limit OFFSET :offset
