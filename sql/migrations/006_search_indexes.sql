-- Trigram indexes so that substring search on names (Chinese included) avoids full scans.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX road_segments_name_trgm_idx ON road_segments USING gin (name gin_trgm_ops);
CREATE INDEX road_segments_route_upper_idx ON road_segments (upper(route_code));
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cameras', 'enforcement_stations', 'command_centres', 'weather_stations',
                             'guidance_signs', 'toll_stations', 'service_areas', 'admin_seats',
                             'interval_speed_sections', 'hazard_zones'] LOOP
        EXECUTE format('CREATE INDEX %1$s_name_trgm_idx ON %1$I USING gin (name gin_trgm_ops)', t);
    END LOOP;
END;
$$;
