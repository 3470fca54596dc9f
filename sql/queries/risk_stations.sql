-- The weather stations that may stand for road segments in the risk model: active ones, with lon/lat.
SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM weather_stations
WHERE status = 'active'
ORDER BY id
