-- The condition of warning :id holds again at the same level: it stays in force until :expires_at
-- with the latest readings (or forecasts), wording and signs.
UPDATE warnings SET
    expires_at = greatest(expires_at, :expires_at), updated_at = :at, visibility_m = :visibility_m,
    road_surface_temp_c = :road_surface_temp_c, precipitation_mm = :precipitation_mm,
    relative_risk = :relative_risk, speed_cap_kmh = :speed_cap_kmh, following_distance_m = :following_distance_m,
    measure = :measure, message_zh = :message_zh, message_en = :message_en, signs = CAST(:signs AS jsonb),
    sign_ids = CAST(:sign_ids AS bigint[]), weather_source = :weather_source,
    forecast_ids = ARRAY(SELECT DISTINCT x FROM unnest(forecast_ids || CAST(:forecast_ids AS bigint[])) AS x ORDER BY x),
    observation_ids = ARRAY(SELECT DISTINCT x FROM unnest(observation_ids || CAST(:observation_ids AS bigint[])) AS x
                            ORDER BY x)
WHERE id = :id
