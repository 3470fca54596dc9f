-- Row count and extent of one layer (identifier from the catalogue), in one scan.
WITH s AS (SELECT count(*) AS n, ST_Extent(geom) AS b FROM {table})
SELECT n, ST_XMin(b) AS minx, ST_YMin(b) AS miny, ST_XMax(b) AS maxx, ST_YMax(b) AS maxy FROM s
