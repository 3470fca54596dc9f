-- Take :n ids from the serial sequence of table :table_name (a name from code, passed as a value) and
-- say whether they are one run: then the caller numbers its rows first..last without reading n ids.
WITH taken AS (
    SELECT nextval(pg_get_serial_sequence(:table_name, 'id')) AS id FROM generate_series(1, :n)
)
SELECT min(id) AS first, max(id) AS last, count(*) AS n,
       CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL ELSE array_agg(id ORDER BY id) END AS ids
FROM taken
