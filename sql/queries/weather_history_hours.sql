-- The weather observations of [:start, :end) by station and local (Beijing) hour: the lowest visibility,
-- the coldest road surface and the most precipitation reported in the hour (the hour's worst weather).
SELECT station_id,
       (observed_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       extract(hour FROM observed_at AT TIME ZONE 'Asia/Shanghai')::int AS hour,
       min(visibility_m) AS visibility_m, min(road_surface_temp_c) AS surface_c,
       max(precipitation_mm) AS precipitation_mm
FROM weather_observations
WHERE observed_at >= :start AND observed_at < :end
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
