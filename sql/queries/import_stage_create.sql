-- The staging table of one facility import: shaped like the layer's table {table} (a name from the
-- layer catalogue), with its defaults, generated columns and CHECK constraints, so that COPY refuses
-- a bad value naming the row, and dropped when the import's transaction ends. Rows are numbered
-- 1..n in file order; keys, linear references and distances are computed here before any row of the
-- layer is touched.
CREATE TEMP TABLE import_stage (LIKE {table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
ON COMMIT DROP
