-- The weather near each active fog, ice and long-downgrade (steep_grade) zone at :at, for the warning
-- rules (analysis/data/warning_rules.toml): each station within :radius_m of the zone gives the weather
-- in force there (daoan_station_weather, migration 031: its latest readings within :valid_s seconds,
-- or the forecast valid at :at — readings first up to :now, forecasts first after it), and per zone the
-- lowest visibility, the coldest surface, the most precipitation, the newest reading used, the end of the
-- forecasts used and the ids of the readings and forecasts used. An ice zone where an operator declared
-- icing (properties.icing true, as routing's overlay reads it: queries/routing_ice.sql) is listed with
-- `icing_declared` even when no station near it has weather in force.
SELECT z.id AS zone_id, z.kind, z.route_code, z.name,
       CAST(z.properties ->> 'from_stake_m' AS double precision) AS from_stake_m,
       CAST(z.properties ->> 'to_stake_m' AS double precision) AS to_stake_m,
       z.properties ->> 'downhill_towards' AS downhill_towards,  -- a long downgrade falls one way only
       min(sw.visibility_m) AS visibility_m, min(sw.surface_c) AS surface_c,
       max(sw.precipitation_mm) AS precipitation_mm, max(sw.newest) AS newest,
       max(sw.valid_to) AS forecast_until,
       coalesce(array_agg(DISTINCT o.id ORDER BY o.id) FILTER (WHERE o.id IS NOT NULL), '{}') AS observation_ids,
       coalesce(array_agg(DISTINCT sw.forecast_id ORDER BY sw.forecast_id) FILTER (WHERE sw.forecast_id IS NOT NULL),
                '{}') AS forecast_ids,
       (z.kind = 'ice' AND (z.properties ->> 'icing') = 'true') AS icing_declared
FROM hazard_zones z
-- a planar prefilter first (a metre is at least 1/50,000 of a degree below 63° of latitude: never drops a
-- pair), then the exact distance on the spheroid, which is slow on large zone polygons
LEFT JOIN (weather_stations w
           JOIN daoan_station_weather(CAST(:at AS timestamptz), CAST(:now AS timestamptz),
                                      CAST(:valid_s AS double precision)) sw ON sw.station_id = w.id)
       ON ST_DWithin(w.geom, z.geom, :radius_m / 50000.0)
      AND ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)
LEFT JOIN LATERAL unnest(sw.observation_ids) AS o(id) ON true
WHERE z.active AND z.kind IN ('fog', 'ice', 'steep_grade')
GROUP BY z.id
HAVING count(sw.station_id) > 0 OR (z.kind = 'ice' AND (z.properties ->> 'icing') = 'true')
ORDER BY z.id
