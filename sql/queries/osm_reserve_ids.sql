-- Take :n ids from the serial sequence of table :table_name (a name from code, passed as a value),
-- so that rows loaded with COPY can reference each other without reading their ids back.
SELECT nextval(pg_get_serial_sequence(:table_name, 'id')) AS id
FROM generate_series(1, :n)
