-- The weather in force at :at per station, as seen at :now (daoan_station_weather, migration 031): its
-- latest reading of each kind within :valid_s seconds before :at, or the forecast valid at :at (readings
-- first up to :now, forecasts first after it); `source` says which.
SELECT station_id, source, visibility_m, surface_c, precipitation_mm
FROM daoan_station_weather(CAST(:at AS timestamptz), CAST(:now AS timestamptz), CAST(:valid_s AS double precision))
