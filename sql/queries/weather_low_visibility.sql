-- Stations whose latest visibility reading in force (observed within :valid_s seconds before :at)
-- is below :below_m metres, lowest first; with how many stations have a reading in force at all.
WITH latest AS (
    SELECT DISTINCT ON (o.station_id) o.station_id, o.visibility_m, o.observed_at
    FROM weather_observations o
    WHERE o.observed_at <= :at AND o.observed_at > :at - make_interval(secs => :valid_s)
      AND o.visibility_m IS NOT NULL
    ORDER BY o.station_id, o.observed_at DESC
)
SELECT w.id, w.name, w.station_code, l.visibility_m, l.observed_at,
       ST_AsGeoJSON(w.geom, 6) AS geometry, count(*) OVER () AS reporting
FROM latest l
JOIN weather_stations w ON w.id = l.station_id
ORDER BY l.visibility_m < :below_m DESC, l.visibility_m, w.id
