-- Entrance closures (只出不进) in force at :at, with the toll station they close.
SELECT i.id AS incident_id, i.toll_station_id, t.segment_id, ST_X(coalesce(t.geom, ST_PointOnSurface(i.geom))) AS lon,
       ST_Y(coalesce(t.geom, ST_PointOnSurface(i.geom))) AS lat
FROM incidents i
LEFT JOIN toll_stations t ON t.id = i.toll_station_id
WHERE i.kind = 'entrance_closure'
  AND i.starts_at <= :at AND (i.ended_at IS NULL OR i.ended_at > :at) AND (i.ends_at IS NULL OR i.ends_at > :at)
