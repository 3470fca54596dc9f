-- The city (市州) and the county (县市区) each point lies in, in the points' order (NULL outside
-- them): the control cities that name a direction of travel ("衡阳往郴州方向"), and the counties that
-- name it where the road stays in one city ("攸县往茶陵方向"); with the city's seat, which says whether
-- the road approaches the city or leaves it.
-- :lons, :lats  float8 arrays of one length
SELECT p.ord, p.lon, p.lat, c.name, k.name AS county, s.seat_lon, s.seat_lat
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, ord)
LEFT JOIN LATERAL (
    SELECT a.name, a.adcode FROM admin_areas a
    WHERE a.level = 'city' AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    LIMIT 1
) c ON true
LEFT JOIN LATERAL (  -- the city's seat (市政府驻地): is a road approaching the city or leaving it
    SELECT ST_X(t.geom) AS seat_lon, ST_Y(t.geom) AS seat_lat FROM admin_seats t
    WHERE t.level = 'city' AND t.adcode = c.adcode
    LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT a.name FROM admin_areas a
    WHERE a.level = 'county' AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    LIMIT 1
) k ON true
ORDER BY p.ord
