-- Cities and counties whose name or common name (label, migration 032) matches (长沙 finds 长沙市 and
-- 长沙县, 湘西州 finds 湘西土家族苗族自治州), cities first, names that start with the text before those
-- that contain it. The point answered is one a route can start from: the
-- area's government seat (else a point inside the area) moved onto the nearest ordinary road (not an expressway) of county class or
-- above, so that a traveller who picks 长沙市 gets a routable place.
WITH hit AS (
    SELECT a.adcode, a.name, a.label, a.level, a.parent_adcode,
           coalesce(s.geom, ST_PointOnSurface(a.geom)) AS seat,
           ST_XMin(a.geom) AS minx, ST_YMin(a.geom) AS miny, ST_XMax(a.geom) AS maxx, ST_YMax(a.geom) AS maxy
    FROM admin_areas a
    LEFT JOIN LATERAL (
        SELECT geom FROM admin_seats WHERE adcode = a.adcode ORDER BY id LIMIT 1
    ) s ON true
    WHERE a.name ILIKE :pattern OR a.label ILIKE :pattern
    ORDER BY (a.name ILIKE :prefix OR a.label ILIKE :prefix) DESC, (a.level = 'city') DESC,
             (a.level = 'province') DESC, a.adcode
    LIMIT :limit
)
SELECT h.adcode, h.name, h.level, h.parent_adcode, h.minx, h.miny, h.maxx, h.maxy,
       coalesce(ST_X(r.pt), ST_X(h.seat)) AS lon, coalesce(ST_Y(r.pt), ST_Y(h.seat)) AS lat
FROM hit h
LEFT JOIN LATERAL (
    SELECT ST_ClosestPoint(g.geom, h.seat) AS pt
    FROM road_segments g
    WHERE g.road_class IN ('national', 'provincial', 'county', 'urban')
    ORDER BY g.geom <-> h.seat
    LIMIT 1
) r ON true
ORDER BY (h.name ILIKE :prefix OR h.label ILIKE :prefix) DESC, (h.level = 'city') DESC,
         (h.level = 'province') DESC, h.adcode
