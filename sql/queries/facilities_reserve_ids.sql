-- Reserve :n ids from the id sequence of one table, so that each imported row's id is known before
-- COPY (rows are mapped back to file rows for linear-referencing errors).
SELECT nextval(pg_get_serial_sequence(:table, 'id'))
FROM generate_series(1, :n)
