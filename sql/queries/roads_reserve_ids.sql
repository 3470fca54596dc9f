-- Take :n ids from the serial sequence of table :table_name (a name from code, passed as a value) as one
-- run: the caller holds the table in EXCLUSIVE mode (no other writer can take ids meanwhile), so the ids
-- are last - n + 1 .. last, and none is read back one by one.
SELECT setval(pg_get_serial_sequence(:table_name, 'id'), nextval(pg_get_serial_sequence(:table_name, 'id')) + :n - 1)
    AS last
