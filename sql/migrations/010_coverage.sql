-- Coverage standards: the plan's targets by year, road group and metric, loaded from a versioned
-- file (planning/standards/*.toml) and replaceable as a whole by `daoan import standards FILE`.

-- The standard set in force: its name, version, the measuring parameters and where it came from.
-- One row; an import replaces it together with every target in one transaction.
CREATE TABLE coverage_standard_sets (
    id           serial PRIMARY KEY,
    name         text NOT NULL,
    version      text NOT NULL,
    source       text NOT NULL DEFAULT '',
    parameters   jsonb NOT NULL DEFAULT '{}'::jsonb,
    file_sha256  text NOT NULL,
    loaded_by    text NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE coverage_standards (
    id            serial PRIMARY KEY,
    set_id        integer NOT NULL REFERENCES coverage_standard_sets (id) ON DELETE CASCADE,
    year          smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    roads         text NOT NULL CHECK (roads IN ('expressway', 'national_provincial', 'all')),
    metric        text NOT NULL,
    scope         text NOT NULL CHECK (scope IN ('province', 'city', 'county')),
    value         double precision NOT NULL CHECK (value >= 0),
    carried_from  smallint,
    seed          text NOT NULL DEFAULT '',
    UNIQUE (set_id, year, roads, metric)
);
CREATE INDEX coverage_standards_year_idx ON coverage_standards (year);
