-- Record a raster as the current one of its kind; returns the file of the one it replaces (NULL when new).
WITH previous AS (SELECT file FROM rasters WHERE kind = :kind FOR UPDATE),
upsert AS (
    INSERT INTO rasters (kind, file, crs, width, height, resolution_x, resolution_y, resolution_m, nodata, checksum,
                         source_file, imported_by, imported_at, extent)
    VALUES (:kind, :file, :crs, :width, :height, :resolution_x, :resolution_y, :resolution_m, :nodata, :checksum,
            :source_file, :imported_by, now(), ST_GeomFromText(:extent, 4326))
    ON CONFLICT (kind) DO UPDATE SET
        file = EXCLUDED.file, crs = EXCLUDED.crs, width = EXCLUDED.width, height = EXCLUDED.height,
        resolution_x = EXCLUDED.resolution_x, resolution_y = EXCLUDED.resolution_y,
        resolution_m = EXCLUDED.resolution_m, nodata = EXCLUDED.nodata, checksum = EXCLUDED.checksum,
        source_file = EXCLUDED.source_file, imported_by = EXCLUDED.imported_by, imported_at = now(),
        extent = EXCLUDED.extent
)
SELECT file FROM previous
