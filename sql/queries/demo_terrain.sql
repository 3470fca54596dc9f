-- The grades and altitudes the DEM import stored on the imported segments, by the demo road file's
-- record id (路段编码, the segment's source_id; a row the import split is read from its first piece).
SELECT split_part(s.source_id, '#', 1)::bigint AS record, abs(t.grade_pct) AS grade_pct,
       t.altitude_mean_m AS altitude_m
FROM segment_terrain AS t
JOIN road_segments AS s ON s.id = t.id
WHERE s.source_id NOT LIKE '%#%' OR s.source_id LIKE '%#1'
