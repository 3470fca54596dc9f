-- The city (市州) each point lies in, in the points' order (NULL outside every city): the control
-- cities that name a direction of travel ("衡阳往郴州方向").
-- :lons, :lats  float8 arrays of one length
SELECT p.ord, c.name
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, ord)
LEFT JOIN LATERAL (
    SELECT a.name FROM admin_areas a
    WHERE a.level = 'city' AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    LIMIT 1
) c ON true
ORDER BY p.ord
