-- Forget every segment's value of one raster kind (before its new values are written).
DELETE FROM segment_raster_values WHERE kind = :kind
