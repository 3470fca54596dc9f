-- The demo's weather stations by code (its weather history is keyed on their ids).
SELECT station_code, id FROM weather_stations WHERE station_code IS NOT NULL
