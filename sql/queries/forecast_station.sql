-- The weather station a forecast names, by id or by its code (NULL: none).
SELECT w.id FROM weather_stations w
WHERE w.id = CAST(:station_id AS bigint) OR w.station_code = CAST(:station_code AS text)
ORDER BY w.id
LIMIT 1
