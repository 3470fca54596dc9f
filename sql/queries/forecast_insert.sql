-- One forecast issue; nothing (no row returned) when this station's issue of :issued_at for :valid_from
-- is already stored (the caller compares the two: an issue is never changed).
INSERT INTO weather_forecasts (station_id, issued_at, valid_from, valid_to, visibility_m, road_surface_temp_c,
                               precipitation_mm, source, created_by)
VALUES (:station_id, :issued_at, :valid_from, :valid_to, :visibility_m, :road_surface_temp_c, :precipitation_mm,
        :source, :who)
ON CONFLICT (station_id, issued_at, valid_from) DO NOTHING
RETURNING id
