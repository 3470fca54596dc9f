-- Whether a layer table (identifier from the catalogue) holds rows imported from OpenStreetMap,
-- which then need the "© OpenStreetMap contributors" attribution.
SELECT EXISTS (SELECT 1 FROM {table} WHERE source = 'osm')
