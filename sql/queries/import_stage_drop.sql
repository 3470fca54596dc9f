-- Drop the staging table of an earlier layer in the same transaction (an OSM import stages several).
DROP TABLE IF EXISTS pg_temp.import_stage
