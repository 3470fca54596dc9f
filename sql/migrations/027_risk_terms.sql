-- The risk model's terms (issue 15, 研判预警): hour of day, weather class, curvature, grade and altitude
-- besides road class and hazard zones; fitted on cells of segment group × weather station × hour band
-- × weather class with an exposure offset (km × hours of that weather at those hours), and scored live
-- (analysis/risk_live.py).

-- What the fit kept besides its coefficients.
ALTER TABLE risk_models
    ADD COLUMN cells              integer,                          -- rows of the fit
    ADD COLUMN exposure_km_years  double precision,                 -- Σ exposure of the cells
    ADD COLUMN statistics         jsonb NOT NULL DEFAULT '{}'::jsonb, -- df, Pearson χ², null deviance, …
    ADD COLUMN settings           jsonb NOT NULL DEFAULT '{}'::jsonb, -- bands and thresholds the terms used
    ADD COLUMN groups             jsonb NOT NULL DEFAULT '[]'::jsonb, -- [[term, …], …]: risk_segments.grp indexes it
    ADD COLUMN baselines          jsonb NOT NULL DEFAULT '{}'::jsonb, -- road class → accidents per km-year, period mean
    ADD COLUMN weather_shares     jsonb NOT NULL DEFAULT '{}'::jsonb; -- hour band → weather class → share of hours

-- Hourly weather classes per station and local (Beijing) day: one character per hour 00–23,
-- c clear, r rain, f fog (visibility below 1 km), i ice (road surface at or below 0 °C), - unknown.
-- The exposure of the risk model's weather terms and the weather in force at an accident's hour.
CREATE TABLE weather_history (
    station_id  bigint NOT NULL REFERENCES weather_stations (id) ON DELETE CASCADE,
    day         date NOT NULL,
    hours       text NOT NULL CHECK (hours ~ '^[crfi-]{24}$'),
    source      text NOT NULL DEFAULT 'import',
    PRIMARY KEY (station_id, day)
);

-- The current risk model's view of each segment, written when a model is stored: its group of static
-- terms (an index into risk_models.groups), the weather station whose readings stand for it, and the
-- values the terms were banded from.
CREATE TABLE risk_segments (
    segment_id        bigint PRIMARY KEY REFERENCES road_segments (id) ON DELETE CASCADE,
    model_id          bigint NOT NULL REFERENCES risk_models (id) ON DELETE CASCADE,
    grp               integer NOT NULL CHECK (grp >= 0),
    station_id        bigint REFERENCES weather_stations (id) ON DELETE SET NULL,
    curvature_deg_km  double precision,  -- total turning per km of the line
    grade_pct         double precision,  -- |end-to-end grade| from the DEM (segment_terrain)
    altitude_m        double precision   -- mean altitude from the DEM
);
CREATE INDEX risk_segments_model_idx ON risk_segments (model_id);
CREATE INDEX risk_segments_station_idx ON risk_segments (station_id);
