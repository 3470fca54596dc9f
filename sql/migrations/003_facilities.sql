-- Point facilities. Each is linearly referenced on import: the nearest segment, the measure
-- along its route (stake_m, written stake 'K123+456' where the route has stakes), the signed
-- lateral offset (positive left of the segment's direction) and the distance to the road.

CREATE TABLE cameras (
    id            bigserial PRIMARY KEY,
    name          text,
    kind          text NOT NULL CHECK (kind IN ('video', 'event_detection', 'checkpoint', 'speed')),
    direction     text,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'inactive')),
    install_year  smallint CHECK (install_year BETWEEN 1990 AND 2100)
);

CREATE TABLE interval_speed_sections (
    id               bigserial PRIMARY KEY,
    name             text,
    route_code       text,
    direction        text,
    start_stake_m    double precision,
    end_stake_m      double precision,
    length_m         double precision CHECK (length_m >= 0),
    speed_limit_kmh  smallint CHECK (speed_limit_kmh > 0),
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'inactive')),
    install_year     smallint CHECK (install_year BETWEEN 1990 AND 2100),
    start_geom       geometry(Point, 4326),
    end_geom         geometry(Point, 4326),
    geom             geometry(LineString, 4326) NOT NULL,
    geom_3857        geometry(LineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    source           text NOT NULL DEFAULT 'import',
    source_id        text,
    county_adcode    text
);
CREATE INDEX interval_speed_sections_geom_idx ON interval_speed_sections USING gist (geom);
CREATE INDEX interval_speed_sections_geom_3857_idx ON interval_speed_sections USING gist (geom_3857);

CREATE TABLE enforcement_stations (
    id            bigserial PRIMARY KEY,
    name          text,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'inactive')),
    install_year  smallint CHECK (install_year BETWEEN 1990 AND 2100)
);

CREATE TABLE command_centres (
    id      bigserial PRIMARY KEY,
    name    text,
    level   text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    adcode  text
);

CREATE TABLE weather_stations (
    id            bigserial PRIMARY KEY,
    name          text,
    kind          text NOT NULL CHECK (kind IN ('visibility', 'road_ice', 'general')),
    station_code  text UNIQUE,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'inactive')),
    install_year  smallint CHECK (install_year BETWEEN 1900 AND 2100),
    alt_m         double precision
);

CREATE TABLE guidance_signs (
    id       bigserial PRIMARY KEY,
    name     text,
    kind     text NOT NULL CHECK (kind IN ('variable_message', 'fixed_warning')),
    direction text,
    status   text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'inactive'))
);

CREATE TABLE toll_stations (
    id         bigserial PRIMARY KEY,
    name       text,
    entrances  boolean NOT NULL DEFAULT true,
    exits      boolean NOT NULL DEFAULT true
);

CREATE TABLE service_areas (
    id    bigserial PRIMARY KEY,
    name  text
);

CREATE TABLE admin_seats (
    id      bigserial PRIMARY KEY,
    name    text NOT NULL,
    adcode  text NOT NULL,
    level   text NOT NULL CHECK (level IN ('province', 'city', 'county'))
);

-- The columns every point facility shares, added once here so that they cannot drift apart.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cameras', 'enforcement_stations', 'command_centres', 'weather_stations',
                             'guidance_signs', 'toll_stations', 'service_areas', 'admin_seats'] LOOP
        EXECUTE format($f$
            ALTER TABLE %1$I
                ADD COLUMN source          text NOT NULL DEFAULT 'import',
                ADD COLUMN source_id       text,
                ADD COLUMN segment_id      bigint REFERENCES road_segments (id) ON DELETE SET NULL,
                ADD COLUMN route_code      text,
                ADD COLUMN stake_m         double precision,
                ADD COLUMN stake           text,
                ADD COLUMN offset_m        double precision,
                ADD COLUMN road_distance_m double precision,
                ADD COLUMN county_adcode   text,
                ADD COLUMN properties      jsonb NOT NULL DEFAULT '{}'::jsonb,
                ADD COLUMN geom            geometry(Point, 4326) NOT NULL,
                ADD COLUMN geom_3857       geometry(Point, 3857)
                    GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
            CREATE INDEX %1$s_geom_idx ON %1$I USING gist (geom);
            CREATE INDEX %1$s_geom_3857_idx ON %1$I USING gist (geom_3857);
            CREATE INDEX %1$s_route_idx ON %1$I (route_code, stake_m);
            CREATE INDEX %1$s_county_idx ON %1$I (county_adcode);
        $f$, t);
        PERFORM daoan_track_layer(t::regclass);
    END LOOP;
END;
$$;

SELECT daoan_track_layer('interval_speed_sections');
