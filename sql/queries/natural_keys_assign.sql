-- The natural key of every row of the layer table {table} (a name from code) in one statement, rows
-- sharing one numbered '#2', '#3', … in id order as migration 016 does; {key} is daoan_natural_key
-- over the layer's columns (layers/ingest/keys.py).
UPDATE {table} AS t
SET natural_key = k.natural_key || CASE WHEN k.rn > 1 THEN '#' || k.rn ELSE '' END
FROM (
    SELECT id, natural_key, row_number() OVER (PARTITION BY natural_key ORDER BY id) AS rn
    FROM (SELECT t.id, {key} AS natural_key FROM {table} AS t) AS keyed
) AS k
WHERE t.id = k.id
