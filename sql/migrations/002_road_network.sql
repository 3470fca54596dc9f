-- Administrative areas and the road network.

CREATE TABLE admin_areas (
    id             serial PRIMARY KEY,
    adcode         text NOT NULL UNIQUE CHECK (adcode ~ '^[0-9]{6}$'),
    name           text NOT NULL,
    level          text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_adcode  text,
    source         text NOT NULL DEFAULT 'import',
    geom           geometry(MultiPolygon, 4326) NOT NULL,
    geom_3857      geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX admin_areas_geom_idx ON admin_areas USING gist (geom);
CREATE INDEX admin_areas_geom_3857_idx ON admin_areas USING gist (geom_3857);
CREATE INDEX admin_areas_level_idx ON admin_areas (level);

CREATE TABLE road_nodes (
    id           bigserial PRIMARY KEY,
    interchange  boolean NOT NULL DEFAULT false,
    name         text,
    ref          text,
    source       text NOT NULL DEFAULT 'import',
    source_id    text,
    geom         geometry(Point, 4326) NOT NULL,
    geom_3857    geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX road_nodes_geom_idx ON road_nodes USING gist (geom);
CREATE INDEX road_nodes_geom_3857_idx ON road_nodes USING gist (geom_3857);
CREATE INDEX road_nodes_source_idx ON road_nodes (source, source_id);

CREATE TABLE road_segments (
    id                 bigserial PRIMARY KEY,
    road_class         text NOT NULL CHECK (road_class IN
                        ('expressway', 'national', 'provincial', 'county', 'township', 'urban', 'link')),
    route_code         text,
    name               text,
    oneway             boolean NOT NULL DEFAULT false,
    lanes              smallint CHECK (lanes > 0),
    maxspeed_kmh       smallint CHECK (maxspeed_kmh > 0),
    default_speed_kmh  smallint NOT NULL CHECK (default_speed_kmh > 0),
    length_m           double precision NOT NULL CHECK (length_m >= 0),
    bridge             boolean NOT NULL DEFAULT false,
    tunnel             boolean NOT NULL DEFAULT false,
    start_stake_m      double precision,
    end_stake_m        double precision,
    county_adcode      text,
    source_node        bigint REFERENCES road_nodes (id) ON DELETE CASCADE,
    target_node        bigint REFERENCES road_nodes (id) ON DELETE CASCADE,
    source             text NOT NULL DEFAULT 'import',
    source_id          text,
    geom               geometry(LineString, 4326) NOT NULL,
    geom_3857          geometry(LineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX road_segments_geom_idx ON road_segments USING gist (geom);
CREATE INDEX road_segments_geom_3857_idx ON road_segments USING gist (geom_3857);
CREATE INDEX road_segments_route_idx ON road_segments (route_code, start_stake_m);
CREATE INDEX road_segments_class_idx ON road_segments (road_class);
CREATE INDEX road_segments_county_idx ON road_segments (county_adcode);
CREATE INDEX road_segments_source_node_idx ON road_segments (source_node);
CREATE INDEX road_segments_target_node_idx ON road_segments (target_node);
CREATE INDEX road_segments_name_idx ON road_segments (name);

CREATE TABLE turn_restrictions (
    id            bigserial PRIMARY KEY,
    restriction   text NOT NULL CHECK (restriction ~ '^(no|only)_'),
    from_segment  bigint NOT NULL REFERENCES road_segments (id) ON DELETE CASCADE,
    via_node      bigint NOT NULL REFERENCES road_nodes (id) ON DELETE CASCADE,
    to_segment    bigint NOT NULL REFERENCES road_segments (id) ON DELETE CASCADE,
    source        text NOT NULL DEFAULT 'import',
    source_id     text
);
CREATE INDEX turn_restrictions_via_idx ON turn_restrictions (via_node);

SELECT daoan_track_layer(t) FROM unnest(ARRAY['admin_areas', 'road_nodes', 'road_segments',
    'turn_restrictions']::regclass[]) AS t;
