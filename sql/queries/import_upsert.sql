-- Upsert the staged rows :ids into the layer's table {table} on its natural key: a new key inserts a
-- row (its id from the table's sequence), a known one updates that row in place (its id kept), and a
-- row whose values are all unchanged is left alone (no new row version, no layer-version bump of its
-- own). {columns} are the table's writable columns but id; {set}/{old}/{new} are built from them.
-- Each returned row says whether it was inserted (xmax = 0) or updated.
INSERT INTO {table} AS t ({columns})
SELECT {columns}
FROM import_stage
WHERE id = ANY (CAST(:ids AS bigint[]))
ORDER BY id
ON CONFLICT (natural_key) DO UPDATE
SET {set}
WHERE ({old}) IS DISTINCT FROM ({new})
RETURNING (t.xmax = 0) AS inserted
