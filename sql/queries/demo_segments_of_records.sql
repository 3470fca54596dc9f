-- The imported segments of rows of the demo's road file, by record id (路段编码; every piece of a split row).
SELECT id FROM road_segments WHERE split_part(source_id, '#', 1) = ANY (CAST(:records AS text[])) ORDER BY id
