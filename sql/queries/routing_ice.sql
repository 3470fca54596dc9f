-- Ice in force at :at: active ice zones where icing is observed (the latest reading within
-- :valid_s seconds at a station inside or within :radius_m of the zone has a road surface at or
-- below 0 °C) or declared by an operator (properties.icing = true); the segments they close: the
-- zone's bridges, and its sections of the zone's route (or of the expressway when it names none);
-- with each segment its road class and the coldest surface observed (NULL when only declared), for
-- the ice rules by road class (routing/data/weather_rules.toml).
WITH latest AS (
    SELECT DISTINCT ON (o.station_id) o.station_id, o.road_surface_temp_c, o.observed_at
    FROM weather_observations o
    WHERE o.observed_at <= :at AND o.observed_at > :at - make_interval(secs => :valid_s)
      AND o.road_surface_temp_c IS NOT NULL
    ORDER BY o.station_id, o.observed_at DESC
), icy AS (
    SELECT z.id AS zone_id, min(l.observed_at) AS oldest, min(l.road_surface_temp_c) AS surface_c
    FROM hazard_zones z
    JOIN weather_stations w ON ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)
    JOIN latest l ON l.station_id = w.id
    WHERE z.kind = 'ice' AND z.active AND l.road_surface_temp_c <= 0
    GROUP BY z.id
    UNION ALL
    SELECT z.id, NULL, NULL FROM hazard_zones z
    WHERE z.kind = 'ice' AND z.active AND (z.properties ->> 'icing') = 'true'
)
SELECT i.zone_id, min(i.oldest) AS oldest, min(i.surface_c) AS surface_c, s.id AS segment_id, s.road_class
FROM icy i
JOIN hazard_zones z ON z.id = i.zone_id
JOIN road_segments s ON s.geom && z.geom AND ST_Intersects(s.geom, z.geom)
WHERE s.bridge OR (CASE WHEN z.route_code IS NOT NULL THEN s.route_code = z.route_code
                        ELSE s.road_class = 'expressway' END)
GROUP BY i.zone_id, s.id, s.road_class
