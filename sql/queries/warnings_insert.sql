-- Issue one warning; its stretch is the line routing gave (:geometry, GeoJSON) or else the union of
-- its segments.
INSERT INTO warnings (
    reason, level, rule_id, condition_key, hazard_zone_id, route_code, road_name, road_class, direction,
    direction_zh, direction_en, from_stake_m, to_stake_m, from_stake, to_stake, visibility_m,
    road_surface_temp_c, precipitation_mm, relative_risk, speed_cap_kmh, following_distance_m, measure,
    message_zh, message_en, signs, sign_ids, segment_ids, observation_ids, forecast_ids, weather_source, issued_at,
    updated_at, expires_at, created_by, geom)
SELECT :reason, :level, :rule_id, :condition_key, :hazard_zone_id, :route_code, :road_name, :road_class,
       :direction, :direction_zh, :direction_en, :from_stake_m, :to_stake_m,
       daoan_format_stake(:from_stake_m), daoan_format_stake(:to_stake_m), :visibility_m,
       :road_surface_temp_c, :precipitation_mm, :relative_risk, :speed_cap_kmh, :following_distance_m, :measure,
       :message_zh, :message_en, CAST(:signs AS jsonb), CAST(:sign_ids AS bigint[]),
       CAST(:segment_ids AS bigint[]), CAST(:observation_ids AS bigint[]), CAST(:forecast_ids AS bigint[]),
       :weather_source, :at, :at, :expires_at, :who,
       coalesce(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(CAST(:geometry AS text)), 4326)),
                (SELECT ST_Multi(ST_LineMerge(ST_Collect(s.geom))) FROM road_segments s
                 WHERE s.id = ANY(CAST(:segment_ids AS bigint[]))))
RETURNING id
