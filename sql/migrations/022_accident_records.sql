-- Base records of the analysis core (issue 15; the plan's 二(一)1): road traffic accidents, violation
-- counts from the camera systems, the 两客一危一校 key-vehicle registry and the enterprises operating
-- them. All of it is police data: the catalogue marks accidents and violations internal (a reading
-- token for every face: features, tiles, search); key vehicles and enterprises have no layer at all.
--
-- Accidents and violations are point layers like the facilities: linearly referenced on import
-- (segment, route, stake, lateral offset, distance to the road; never rejected for distance), keyed
-- for upserts on the source's record id (事故编号) so that a re-import updates, never duplicates.

CREATE TABLE accidents (
    id                   bigserial PRIMARY KEY,
    occurred_at          timestamptz NOT NULL,
    deaths               integer NOT NULL DEFAULT 0 CHECK (deaths >= 0),
    injuries             integer NOT NULL DEFAULT 0 CHECK (injuries >= 0),
    property_damage_cny  double precision CHECK (property_damage_cny >= 0),
    -- fatal (死亡事故), injury (伤人事故), property (财产损失事故): what black-spot weights count
    severity             text GENERATED ALWAYS AS (
                             CASE WHEN deaths > 0 THEN 'fatal' WHEN injuries > 0 THEN 'injury' ELSE 'property' END
                         ) STORED,
    collision_type       text,   -- 事故形态 as the police system writes it (追尾, 正面相撞, 刮撞行人…)
    vehicle_types        text,   -- 车辆类型, as written
    plates               text,   -- 号牌号码, comma separated: links to key_vehicles by plate
    passenger            boolean NOT NULL DEFAULT false,  -- 客运 (tour coach or scheduled coach)
    hazmat               boolean NOT NULL DEFAULT false,  -- 危化品运输
    school_bus           boolean NOT NULL DEFAULT false,  -- 校车
    truck                boolean NOT NULL DEFAULT false,  -- 货车
    weather              text,   -- 天气
    light                text,   -- 照明条件
    road_surface         text,   -- 路面状况
    cause                text,   -- 事故原因 / 主要违法行为
    place                text,   -- 事故地点, as written
    direction            text CHECK (direction IN ('up', 'down')),  -- 上行 / 下行 along the stakes
    source               text NOT NULL DEFAULT 'import',
    source_id            text,
    segment_id           bigint REFERENCES road_segments (id) ON DELETE SET NULL,
    route_code           text,
    stake_m              double precision,
    stake                text,
    offset_m             double precision,
    road_distance_m      double precision,
    county_adcode        text,
    properties           jsonb NOT NULL DEFAULT '{}'::jsonb,
    natural_key          text UNIQUE,
    geom                 geometry(Point, 4326) NOT NULL,
    geom_3857            geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX accidents_geom_idx ON accidents USING gist (geom);
CREATE INDEX accidents_geom_3857_idx ON accidents USING gist (geom_3857);
CREATE INDEX accidents_route_idx ON accidents (route_code, stake_m);
CREATE INDEX accidents_occurred_idx ON accidents (occurred_at);
CREATE INDEX accidents_segment_idx ON accidents (segment_id);
CREATE INDEX accidents_county_idx ON accidents (county_adcode);
SELECT daoan_track_layer('accidents');

-- Counts of violations by camera (or place), day and type (超速, 闯红灯, 违法停车, …), as the camera
-- systems export them; the record id defaults to camera (or position), day and type.
CREATE TABLE violations (
    id               bigserial PRIMARY KEY,
    day              date NOT NULL,
    kind             text NOT NULL,
    count            integer NOT NULL CHECK (count >= 0),
    camera_code      text,
    direction        text CHECK (direction IN ('up', 'down')),
    source           text NOT NULL DEFAULT 'import',
    source_id        text,
    segment_id       bigint REFERENCES road_segments (id) ON DELETE SET NULL,
    route_code       text,
    stake_m          double precision,
    stake            text,
    offset_m         double precision,
    road_distance_m  double precision,
    county_adcode    text,
    properties       jsonb NOT NULL DEFAULT '{}'::jsonb,
    natural_key      text UNIQUE,
    geom             geometry(Point, 4326) NOT NULL,
    geom_3857        geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX violations_geom_idx ON violations USING gist (geom);
CREATE INDEX violations_geom_3857_idx ON violations USING gist (geom_3857);
CREATE INDEX violations_route_idx ON violations (route_code, stake_m);
CREATE INDEX violations_day_idx ON violations (day);
CREATE INDEX violations_segment_idx ON violations (segment_id);
SELECT daoan_track_layer('violations');

-- 重点客货运企业: keyed by the unified social credit code (统一社会信用代码).
CREATE TABLE enterprises (
    id             bigserial PRIMARY KEY,
    code           text NOT NULL UNIQUE,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('passenger', 'freight', 'hazmat', 'school', 'other')),
    county_adcode  text,
    address        text,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    source         text NOT NULL DEFAULT 'import',
    properties     jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The 两客一危一校 registry: 旅游包车, 三类以上班线客车, 危险化学品运输车, 校车; keyed by plate. The
-- operator is named by its enterprise code (no foreign key: the registries arrive in either order).
CREATE TABLE key_vehicles (
    id               bigserial PRIMARY KEY,
    plate            text NOT NULL UNIQUE,
    kind             text NOT NULL CHECK (kind IN ('tour_coach', 'scheduled_coach', 'hazmat', 'school_bus')),
    enterprise_code  text,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deregistered')),
    source           text NOT NULL DEFAULT 'import',
    properties       jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX key_vehicles_enterprise_idx ON key_vehicles (enterprise_code);
