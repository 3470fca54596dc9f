-- Keep the hourly classes derived from observations (one row per station and local day; a day derived
-- again replaces its row).
INSERT INTO weather_history (station_id, day, hours, source)
SELECT u.station_id, u.day, u.hours, 'observations'
FROM unnest(CAST(:stations AS bigint[]), CAST(:days AS date[]), CAST(:hours AS text[])) AS u(station_id, day, hours)
ON CONFLICT (station_id, day) DO UPDATE SET hours = EXCLUDED.hours, source = EXCLUDED.source
