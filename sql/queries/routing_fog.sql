-- Fog in force at :at: per active fog zone, the lowest latest visibility reported within
-- :valid_s seconds by a station inside the zone or within :radius_m of it, and the segments in
-- the zone (only zones below 200 m, where a rule applies). `oldest` is when the first reading used
-- expires minus :valid_s.
WITH latest AS (
    SELECT DISTINCT ON (o.station_id) o.station_id, o.visibility_m, o.observed_at
    FROM weather_observations o
    WHERE o.observed_at <= :at AND o.observed_at > :at - make_interval(secs => :valid_s)
      AND o.visibility_m IS NOT NULL
    ORDER BY o.station_id, o.observed_at DESC
), zone_vis AS (
    SELECT z.id AS zone_id, min(l.visibility_m) AS visibility_m, min(l.observed_at) AS oldest
    FROM hazard_zones z
    JOIN weather_stations w ON ST_DWithin(w.geom::geography, z.geom::geography, :radius_m)
    JOIN latest l ON l.station_id = w.id
    WHERE z.kind = 'fog' AND z.active
    GROUP BY z.id
)
SELECT v.zone_id, v.visibility_m, v.oldest, s.id AS segment_id, s.road_class
FROM zone_vis v
JOIN hazard_zones z ON z.id = v.zone_id
JOIN road_segments s ON s.geom && z.geom AND ST_Intersects(s.geom, z.geom)
WHERE v.visibility_m < 200
