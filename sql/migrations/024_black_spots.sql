-- Black spots (事故多发点段, issue 15): the one stored source of black spots, by method and period.
-- `daoan analysis blackspots --store` (and the demo) replace a method's rows; hazard zones of kind
-- 'blackspot' are derived from the stored rows (source 'black_spots'), so the map's public hazard
-- layer shows where the analysis put them while the counts stay internal with this layer.

CREATE TABLE black_spots (
    id             bigserial PRIMARY KEY,
    method         text NOT NULL CHECK (method IN ('window', 'eb', 'nkde')),
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL,
    rank           integer NOT NULL CHECK (rank >= 1),
    score          double precision NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('point', 'section')),  -- 点 (≤ 1 km) or 段
    route_code     text NOT NULL,
    direction      text NOT NULL CHECK (direction IN ('up', 'down', 'both')),
    from_stake_m   double precision NOT NULL,
    to_stake_m     double precision NOT NULL,
    from_stake     text,
    to_stake       text,
    road_class     text,
    accidents      integer NOT NULL CHECK (accidents >= 0),
    fatal          integer NOT NULL CHECK (fatal >= 0),
    injury         integer NOT NULL CHECK (injury >= 0),
    property       integer NOT NULL CHECK (property >= 0),
    deaths         integer NOT NULL CHECK (deaths >= 0),
    injuries       integer NOT NULL CHECK (injuries >= 0),
    predicted      double precision,   -- eb: the safety performance function's accidents for the period
    expected       double precision,   -- eb: the empirical-Bayes expected accidents
    criteria       text,               -- window: the rules met (analysis/data/blackspot_criteria.toml)
    county_adcode  text,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    geom           geometry(MultiLineString, 4326) NOT NULL,
    geom_3857      geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    CHECK (period_end > period_start),
    CHECK (to_stake_m >= from_stake_m)
);
CREATE INDEX black_spots_geom_idx ON black_spots USING gist (geom);
CREATE INDEX black_spots_geom_3857_idx ON black_spots USING gist (geom_3857);
CREATE INDEX black_spots_method_rank_idx ON black_spots (method, rank);
CREATE INDEX black_spots_route_idx ON black_spots (route_code, from_stake_m);
SELECT daoan_track_layer('black_spots');

-- The risk model (issue 15, 研判预警): a count GLM of accidents per road unit with an exposure offset,
-- kept with its coefficients (name, estimate, standard error), data period and fit statistics; the
-- newest fit is `current`.
CREATE TABLE risk_models (
    id            bigserial PRIMARY KEY,
    fitted_at     timestamptz NOT NULL DEFAULT now(),
    family        text NOT NULL CHECK (family IN ('poisson', 'negative_binomial')),
    unit          text NOT NULL,      -- what a row of the fit is (e.g. segment)
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    terms         jsonb NOT NULL,     -- [{"name", "estimate", "se"}]
    alpha         double precision,   -- negative binomial overdispersion
    units         integer NOT NULL,
    accidents     integer NOT NULL,
    log_likelihood double precision,
    aic           double precision,
    deviance      double precision,
    current       boolean NOT NULL DEFAULT true,
    CHECK (period_end > period_start)
);
