-- Readings near each active fog, ice and long-downgrade (steep_grade) zone at :at, for the warning
-- rules (analysis/data/warning_rules.toml): per station within :radius_m of the zone its latest
-- visibility, road-surface temperature and precipitation reported within :valid_s seconds (each its
-- own latest: a reading without visibility does not hide an earlier one that had it), and per zone
-- the lowest visibility, the coldest surface, the most precipitation, the newest reading used and the
-- ids of the readings used. An ice zone where an operator declared icing (properties.icing true, as
-- routing's overlay reads it: queries/routing_ice.sql) is listed with `icing_declared` even when no
-- station near it has a reading.
WITH recent AS (
    SELECT o.* FROM weather_observations o
    WHERE o.observed_at <= :at AND o.observed_at > :at - make_interval(secs => :valid_s)
), vis AS (
    SELECT DISTINCT ON (station_id) station_id, id, observed_at, visibility_m
    FROM recent WHERE visibility_m IS NOT NULL ORDER BY station_id, observed_at DESC, id DESC
), surface AS (
    SELECT DISTINCT ON (station_id) station_id, id, observed_at, road_surface_temp_c
    FROM recent WHERE road_surface_temp_c IS NOT NULL ORDER BY station_id, observed_at DESC, id DESC
), rain AS (
    SELECT DISTINCT ON (station_id) station_id, id, observed_at, precipitation_mm
    FROM recent WHERE precipitation_mm IS NOT NULL ORDER BY station_id, observed_at DESC, id DESC
), latest AS (
    SELECT station_id, id, observed_at, visibility_m, NULL::float8 AS surface_c, NULL::float8 AS precipitation_mm
    FROM vis
    UNION ALL
    SELECT station_id, id, observed_at, NULL, road_surface_temp_c, NULL FROM surface
    UNION ALL
    SELECT station_id, id, observed_at, NULL, NULL, precipitation_mm FROM rain
)
SELECT z.id AS zone_id, z.kind, z.route_code, z.name,
       CAST(z.properties ->> 'from_stake_m' AS double precision) AS from_stake_m,
       CAST(z.properties ->> 'to_stake_m' AS double precision) AS to_stake_m,
       min(l.visibility_m) AS visibility_m, min(l.surface_c) AS surface_c,
       max(l.precipitation_mm) AS precipitation_mm, max(l.observed_at) AS newest,
       coalesce(array_agg(DISTINCT l.id ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}') AS observation_ids,
       (z.kind = 'ice' AND (z.properties ->> 'icing') = 'true') AS icing_declared
FROM hazard_zones z
-- a planar prefilter first (a metre is at least 1/50,000 of a degree below 63° of latitude: never drops a
-- pair), then the exact distance on the spheroid, which is slow on large zone polygons
LEFT JOIN (weather_stations w JOIN latest l ON l.station_id = w.id)
       ON ST_DWithin(w.geom, z.geom, :radius_m / 50000.0)
      AND ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)
WHERE z.active AND z.kind IN ('fog', 'ice', 'steep_grade')
GROUP BY z.id
HAVING count(l.id) > 0 OR (z.kind = 'ice' AND (z.properties ->> 'icing') = 'true')
ORDER BY z.id
