-- The stored forecast of :station_id issued at :issued_at for :valid_from (a repeated post compares with it).
SELECT id, valid_to, visibility_m, road_surface_temp_c, precipitation_mm, source
FROM weather_forecasts
WHERE station_id = :station_id AND issued_at = :issued_at AND valid_from = :valid_from
