-- The camera spacing gaps as a stored layer (tiles and OGC API – Features read it like any other):
-- derived data, rewritten as a whole by planning/gapstore.py whenever the cameras, the road network,
-- the areas or the coverage standards it was computed from have changed.

-- One row per gap per standard year. The id is year × 1,000,000 + the gap's id in
-- /coverage/gaps?kind=camera&year=… (numbered over the whole province), so that the two agree.
CREATE TABLE coverage_gaps (
    id              bigint PRIMARY KEY,
    kind            text NOT NULL DEFAULT 'camera' CHECK (kind IN ('camera')),
    year            smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    newest_year     boolean NOT NULL,  -- year is the newest of the standard set in force
    route_code      text NOT NULL,
    roads           text NOT NULL CHECK (roads IN ('expressway', 'national_provincial')),
    direction       text NOT NULL CHECK (direction IN ('up', 'down', 'both')),
    from_stake      text NOT NULL,
    to_stake        text NOT NULL,
    from_stake_m    double precision NOT NULL,
    to_stake_m      double precision NOT NULL,
    length_m        double precision NOT NULL CHECK (length_m >= 0),
    spacing_m       double precision NOT NULL CHECK (spacing_m > 0),
    cameras_needed  integer NOT NULL CHECK (cameras_needed >= 0),
    county_adcode   text,  -- the county holding the longest part of the gap
    city_adcode     text,  -- that county's city
    geom            geometry(MultiLineString, 4326) NOT NULL,
    geom_3857       geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX coverage_gaps_geom_idx ON coverage_gaps USING gist (geom);
CREATE INDEX coverage_gaps_geom_3857_idx ON coverage_gaps USING gist (geom_3857);
CREATE INDEX coverage_gaps_year_idx ON coverage_gaps (year, route_code);
CREATE INDEX coverage_gaps_county_idx ON coverage_gaps (county_adcode);
SELECT daoan_track_layer('coverage_gaps');

-- The standards get a data version too: the stored gaps depend on them.
SELECT daoan_track_layer('coverage_standards');

-- What the stored gaps were computed from: the data versions of their sources, and the version of
-- coverage_gaps itself right after the rewrite (any other write to the table makes it stale too).
-- One row (id = 1).
CREATE TABLE coverage_gap_state (
    id             smallint PRIMARY KEY CHECK (id = 1),
    sources        jsonb NOT NULL,
    gaps_version   bigint NOT NULL,
    years          smallint[] NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    duration_ms    double precision NOT NULL
);
