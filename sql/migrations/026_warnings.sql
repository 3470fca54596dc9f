-- Early warnings (预警, issue 15): issued by the rules of analysis/data/warning_rules.toml (fog,
-- road icing, a long downgrade in rain) and by a risk threshold on the live risk scores, one row per
-- warned stretch and direction of travel. A warning is in force while expires_at is in the future:
-- expiry is by the clock in every query (the feed, the tiles, the routing overlay), never by a job.
-- An evaluation that finds the same condition again (same `condition_key`) extends the warning in
-- force, or, when the level changed, ends it (expires_at = then, superseded_by = the new one) and
-- issues a new one; a condition no longer found is lifted (expires_at = the evaluation's time).

CREATE TABLE warnings (
    id                   bigserial PRIMARY KEY,
    reason               text NOT NULL CHECK (reason IN ('fog', 'ice', 'downgrade_rain', 'risk')),
    level                text NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    rule_id              text NOT NULL,        -- the rule of warning_rules.toml that fired (e.g. fog-orange)
    condition_key        text NOT NULL,        -- reason:zone or segment:direction; one in force per key
    hazard_zone_id       bigint REFERENCES hazard_zones (id) ON DELETE SET NULL,
    route_code           text,
    road_name            text,
    road_class           text,
    direction            text CHECK (direction IN ('up', 'down', 'both')),  -- up: increasing stakes
    direction_zh         text,                 -- 衡阳往郴州方向
    direction_en         text,
    from_stake_m         double precision,     -- in the direction of travel
    to_stake_m           double precision,
    from_stake           text,
    to_stake             text,
    visibility_m         double precision,     -- the readings behind it (fog, ice, rain)
    road_surface_temp_c  double precision,
    precipitation_mm     double precision,
    relative_risk        double precision,     -- risk: the segment's risk over its class's baseline
    speed_cap_kmh        smallint CHECK (speed_cap_kmh > 0),
    following_distance_m double precision,
    measure              text NOT NULL CHECK (measure IN ('advise', 'cap', 'close')),
    message_zh           text NOT NULL,
    message_en           text NOT NULL,
    signs                jsonb NOT NULL DEFAULT '[]',   -- [{sign_id, name, stake, distance_m, message_lines, message_zh, fits}]
    sign_ids             bigint[] NOT NULL DEFAULT '{}',
    segment_ids          bigint[] NOT NULL,             -- the road segments of the stretch (routing notes)
    observation_ids      bigint[] NOT NULL DEFAULT '{}', -- source: the weather observations it rests on
    issued_at            timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    superseded_by        bigint REFERENCES warnings (id) ON DELETE SET NULL,
    created_by           text NOT NULL,
    geom                 geometry(MultiLineString, 4326) NOT NULL,
    geom_3857            geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    CHECK (expires_at >= issued_at)
);
CREATE INDEX warnings_geom_idx ON warnings USING gist (geom);
CREATE INDEX warnings_geom_3857_idx ON warnings USING gist (geom_3857);
CREATE INDEX warnings_expires_idx ON warnings (expires_at);
CREATE INDEX warnings_condition_idx ON warnings (condition_key, expires_at);
CREATE INDEX warnings_superseded_by_idx ON warnings (superseded_by);
CREATE INDEX warnings_hazard_zone_idx ON warnings (hazard_zone_id);
SELECT daoan_track_layer('warnings');
