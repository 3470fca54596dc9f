-- Dynamic tables: hazard zones, weather observations, incidents and their change history.

CREATE TABLE hazard_zones (
    id          bigserial PRIMARY KEY,
    name        text,
    kind        text NOT NULL CHECK (kind IN ('fog', 'ice', 'landslide', 'sharp_curve', 'steep_grade',
                                              'blackspot', 'congestion')),
    severity    smallint NOT NULL DEFAULT 1 CHECK (severity BETWEEN 1 AND 5),
    active      boolean NOT NULL DEFAULT true,
    route_code  text,
    source      text NOT NULL DEFAULT 'import',
    source_id   text,
    properties  jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX hazard_zones_geom_idx ON hazard_zones USING gist (geom);
CREATE INDEX hazard_zones_geom_3857_idx ON hazard_zones USING gist (geom_3857);
CREATE INDEX hazard_zones_kind_idx ON hazard_zones (kind);

CREATE TABLE weather_observations (
    id                   bigserial PRIMARY KEY,
    station_id           bigint NOT NULL REFERENCES weather_stations (id) ON DELETE CASCADE,
    observed_at          timestamptz NOT NULL,
    visibility_m         double precision CHECK (visibility_m >= 0),
    road_surface_temp_c  double precision,
    precipitation_mm     double precision CHECK (precipitation_mm >= 0),
    created_by           text NOT NULL DEFAULT 'import',
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX weather_observations_station_time_idx ON weather_observations (station_id, observed_at DESC);

CREATE TABLE incidents (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('accident', 'works', 'weather_closure',
                                                   'entrance_closure', 'control')),
    effect           text NOT NULL CHECK (effect IN ('closed', 'restricted')),
    speed_cap_kmh    smallint CHECK (speed_cap_kmh > 0),
    direction        text NOT NULL DEFAULT 'both' CHECK (direction IN ('both', 'forward', 'backward')),
    direction_label  text,
    route_code       text,
    from_stake_m     double precision,
    to_stake_m       double precision,
    toll_station_id  bigint REFERENCES toll_stations (id) ON DELETE SET NULL,
    description      text,
    starts_at        timestamptz NOT NULL DEFAULT now(),
    ends_at          timestamptz,
    ended_at         timestamptz,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    geom             geometry(Geometry, 4326) NOT NULL,
    geom_3857        geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    CHECK (effect <> 'restricted' OR speed_cap_kmh IS NOT NULL),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);
CREATE INDEX incidents_geom_3857_idx ON incidents USING gist (geom_3857);
CREATE INDEX incidents_time_idx ON incidents (starts_at, ends_at);

CREATE TABLE incident_changes (
    id           bigserial PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    action       text NOT NULL CHECK (action IN ('create', 'update', 'end')),
    changed_by   text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    changes      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_changes_incident_idx ON incident_changes (incident_id);

-- Every import run, for the record: who loaded what and how many rows.
CREATE TABLE import_runs (
    id           bigserial PRIMARY KEY,
    layer        text NOT NULL,
    source_file  text NOT NULL,
    rows_loaded  integer NOT NULL,
    rows_skipped integer NOT NULL DEFAULT 0,
    imported_by  text NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now()
);

SELECT daoan_track_layer(t) FROM unnest(ARRAY['hazard_zones', 'weather_observations',
    'incidents']::regclass[]) AS t;
