-- The forecast in force at :at per station (the latest issued of those valid then), of the station with
-- code :station_code when given, with the station's name and position.
SELECT DISTINCT ON (f.station_id)
       f.id, f.station_id, w.station_code, w.name AS station_name, f.issued_at, f.valid_from, f.valid_to,
       f.visibility_m, f.road_surface_temp_c, f.precipitation_mm, f.source, f.created_by,
       ST_X(w.geom) AS lon, ST_Y(w.geom) AS lat
FROM weather_forecasts f
JOIN weather_stations w ON w.id = f.station_id
WHERE f.valid_from <= :at AND f.valid_to > :at AND f.issued_at <= now()
  AND (CAST(:station_code AS text) IS NULL OR w.station_code = CAST(:station_code AS text))
ORDER BY f.station_id, f.issued_at DESC, f.id DESC
