-- One weather station reading; the station is given by id or by its code.
INSERT INTO weather_observations (station_id, observed_at, visibility_m, road_surface_temp_c, precipitation_mm,
                                  created_by)
SELECT w.id, coalesce(CAST(:observed_at AS timestamptz), now()), :visibility_m, :road_surface_temp_c,
       :precipitation_mm, :who
FROM weather_stations w
WHERE w.id = CAST(:station_id AS bigint) OR w.station_code = CAST(:station_code AS text)
LIMIT 1
RETURNING id, station_id, observed_at
