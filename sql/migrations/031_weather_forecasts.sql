-- Weather forecasts per station (issue 15: risk "scored live from the weather in force (observations; a
-- forecast when one is posted)"). A forecast says what a station's visibility, road-surface temperature
-- and hourly precipitation will be from valid_from to valid_to, as issued at issued_at. Issues are never
-- changed: a later issue for the same hours supersedes an earlier one (the latest issued_at, then the
-- highest id, is the forecast in force), so concurrent writers lose nothing and need no If-Match. The
-- same issue posted again (same station, issued_at, valid_from) is a no-op when its values are equal and
-- a conflict (409) when they differ.
--
-- Which weather a time `at` sees (analysis/weather_at.py): at or before now, a station's readings in
-- force, else its forecast valid then; after now, its forecast valid then, else its latest readings
-- still in force then.
CREATE TABLE weather_forecasts (
    id                   bigserial PRIMARY KEY,
    station_id           bigint NOT NULL REFERENCES weather_stations (id) ON DELETE CASCADE,
    issued_at            timestamptz NOT NULL,
    valid_from           timestamptz NOT NULL,
    valid_to             timestamptz NOT NULL,
    visibility_m         double precision CHECK (visibility_m >= 0),
    road_surface_temp_c  double precision,
    precipitation_mm     double precision CHECK (precipitation_mm >= 0),  -- per hour, as readings
    source               text,                   -- who forecast it (e.g. 湖南省气象台)
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_to > valid_from),
    CHECK (visibility_m IS NOT NULL OR road_surface_temp_c IS NOT NULL OR precipitation_mm IS NOT NULL),
    UNIQUE (station_id, issued_at, valid_from)
);
CREATE INDEX weather_forecasts_valid_idx ON weather_forecasts (valid_from, valid_to);
SELECT daoan_track_layer('weather_forecasts');

-- Which weather a warning rests on: station readings, forecasts, both (a zone with stations of each),
-- or an operator's declaration (icing on an ice zone); NULL for a risk warning scored on the hour's mix.
ALTER TABLE warnings
    ADD COLUMN weather_source text CHECK (weather_source IN ('observation', 'forecast', 'mixed', 'declared')),
    ADD COLUMN forecast_ids bigint[] NOT NULL DEFAULT '{}';

-- The weather in force per station at `at`, as seen at `now_` (the one rule the warnings and the live risk
-- share): the station's readings of the last `valid_s` seconds before `at` (each kind its latest: a reading
-- without visibility does not hide an earlier one that had it) and its forecast valid at `at` (the latest
-- issued by `now_`). At or before `now_` the readings win and the forecast fills a station without any;
-- after `now_` the forecast wins and the readings still in force then fill a station without one.
-- One row per station: its source, values, the newest reading used (observations) or the end of the
-- forecast's validity (forecast), and the ids it rests on.
CREATE FUNCTION daoan_station_weather(at timestamptz, now_ timestamptz, valid_s double precision)
RETURNS TABLE (station_id bigint, source text, visibility_m double precision, surface_c double precision,
               precipitation_mm double precision, newest timestamptz, valid_to timestamptz,
               observation_ids bigint[], forecast_id bigint)
LANGUAGE sql STABLE AS $$
WITH recent AS (
    SELECT o.id, o.station_id, o.observed_at, o.visibility_m, o.road_surface_temp_c, o.precipitation_mm
    FROM weather_observations o
    WHERE o.observed_at <= $1 AND o.observed_at > $1 - make_interval(secs => $3)
), vis AS (
    SELECT DISTINCT ON (r.station_id) r.station_id, r.id, r.observed_at, r.visibility_m
    FROM recent r WHERE r.visibility_m IS NOT NULL ORDER BY r.station_id, r.observed_at DESC, r.id DESC
), surface AS (
    SELECT DISTINCT ON (r.station_id) r.station_id, r.id, r.observed_at, r.road_surface_temp_c
    FROM recent r WHERE r.road_surface_temp_c IS NOT NULL ORDER BY r.station_id, r.observed_at DESC, r.id DESC
), rain AS (
    SELECT DISTINCT ON (r.station_id) r.station_id, r.id, r.observed_at, r.precipitation_mm
    FROM recent r WHERE r.precipitation_mm IS NOT NULL ORDER BY r.station_id, r.observed_at DESC, r.id DESC
), latest AS (
    SELECT v.station_id, v.id, v.observed_at, v.visibility_m, NULL::float8 AS surface_c, NULL::float8 AS precip
    FROM vis v
    UNION ALL
    SELECT s.station_id, s.id, s.observed_at, NULL, s.road_surface_temp_c, NULL FROM surface s
    UNION ALL
    SELECT p.station_id, p.id, p.observed_at, NULL, NULL, p.precipitation_mm FROM rain p
), obs AS (
    SELECT l.station_id, min(l.visibility_m) AS visibility_m, min(l.surface_c) AS surface_c,
           max(l.precip) AS precipitation_mm, max(l.observed_at) AS newest,
           array_agg(DISTINCT l.id ORDER BY l.id) AS ids
    FROM latest l GROUP BY l.station_id
), fc AS (
    SELECT DISTINCT ON (f.station_id) f.id, f.station_id, f.valid_to, f.visibility_m, f.road_surface_temp_c,
           f.precipitation_mm
    FROM weather_forecasts f
    WHERE f.valid_from <= $1 AND f.valid_to > $1 AND f.issued_at <= $2
    ORDER BY f.station_id, f.issued_at DESC, f.id DESC
)
SELECT o.station_id, 'observation', o.visibility_m, o.surface_c, o.precipitation_mm, o.newest,
       NULL::timestamptz, o.ids, NULL::bigint
FROM obs o
WHERE $1 <= $2 OR NOT EXISTS (SELECT 1 FROM fc WHERE fc.station_id = o.station_id)
UNION ALL
SELECT f.station_id, 'forecast', f.visibility_m, f.road_surface_temp_c, f.precipitation_mm, NULL::timestamptz,
       f.valid_to, '{}'::bigint[], f.id
FROM fc f
WHERE $1 > $2 OR NOT EXISTS (SELECT 1 FROM obs o WHERE o.station_id = f.station_id)
$$;
