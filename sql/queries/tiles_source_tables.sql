-- Tables of the current schema with a 'source' column (where OpenStreetMap rows are marked 'osm').
SELECT table_name FROM information_schema.columns
WHERE table_schema = current_schema() AND column_name = 'source'
