-- The weather in force at :at per station: its latest reading of each kind within :valid_s seconds
-- before :at (a forecast table would join here once the schema has one).
SELECT station_id,
       (array_agg(visibility_m ORDER BY observed_at DESC) FILTER (WHERE visibility_m IS NOT NULL))[1] AS visibility_m,
       (array_agg(road_surface_temp_c ORDER BY observed_at DESC)
            FILTER (WHERE road_surface_temp_c IS NOT NULL))[1] AS surface_c,
       (array_agg(precipitation_mm ORDER BY observed_at DESC)
            FILTER (WHERE precipitation_mm IS NOT NULL))[1] AS precipitation_mm
FROM weather_observations
WHERE observed_at <= :at AND observed_at > :at - make_interval(secs => :valid_s)
GROUP BY station_id
