-- Forget every segment's DEM values (before the new ones are written, in the same transaction).
DELETE FROM segment_terrain
