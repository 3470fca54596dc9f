-- The road network's data version (kept with a stored risk model: its segments are then risk_segments').
SELECT version FROM layer_versions WHERE layer = 'road_segments'
