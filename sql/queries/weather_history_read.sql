-- The hourly weather classes of every station's local days :first to :last (analysis/weather_history.py).
SELECT station_id, day, hours
FROM weather_history
WHERE day BETWEEN :first AND :last
ORDER BY station_id, day
