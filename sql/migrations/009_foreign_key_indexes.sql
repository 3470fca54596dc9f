-- Indexes on the columns that reference road_segments, so that replacing the network (a DELETE of
-- every segment) does not scan each referencing table once per deleted segment.
CREATE INDEX turn_restrictions_from_idx ON turn_restrictions (from_segment);
CREATE INDEX turn_restrictions_to_idx ON turn_restrictions (to_segment);
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cameras', 'enforcement_stations', 'command_centres', 'weather_stations',
                             'guidance_signs', 'toll_stations', 'service_areas', 'admin_seats'] LOOP
        EXECUTE format('CREATE INDEX %1$s_segment_idx ON %1$I (segment_id)', t);
    END LOOP;
END;
$$;
CREATE INDEX incidents_toll_station_idx ON incidents (toll_station_id);
CREATE INDEX weather_observations_station_idx ON weather_observations (station_id);
