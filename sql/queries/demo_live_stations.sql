-- The demo's active weather stations for its weather of the day (layers/demo/live.py): kind, and whether
-- the station lies within :radius_m of a fog zone (visibility), an ice zone (road ice) or a long downgrade
-- (steep_grade, a general station: rain there warns), ordered by code for a deterministic draw.
SELECT w.id, w.station_code, w.kind,
       EXISTS (SELECT 1 FROM hazard_zones z
               WHERE z.active AND z.kind = 'fog' AND ST_DWithin(w.geom, z.geom, :radius_m / 50000.0)
                 AND ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)) AS near_fog,
       EXISTS (SELECT 1 FROM hazard_zones z
               WHERE z.active AND z.kind = 'ice' AND ST_DWithin(w.geom, z.geom, :radius_m / 50000.0)
                 AND ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)) AS near_ice,
       EXISTS (SELECT 1 FROM hazard_zones z
               WHERE z.active AND z.kind = 'steep_grade' AND ST_DWithin(w.geom, z.geom, :radius_m / 50000.0)
                 AND ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)) AS near_downgrade
FROM weather_stations w
WHERE w.status = 'active' AND w.station_code IS NOT NULL
ORDER BY w.station_code
