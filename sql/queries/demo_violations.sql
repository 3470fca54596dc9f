-- Synthetic violation counts of the demo: for every speed camera and checkpoint (卡口), each day of the
-- last :days days up to :end_day, the types it records, with counts from a hash of camera, day and type
-- (deterministic; higher where a camera stands on a higher class of road). Placed and keyed like an
-- import of the camera systems' export.
INSERT INTO violations (day, kind, count, camera_code, source, source_id, natural_key, segment_id, route_code,
                        stake_m, stake, offset_m, road_distance_m, county_adcode, geom)
SELECT d.day, k.kind,
       (abs(hashtext(c.id::text || d.day::text || k.kind)) % k.spread)
           * CASE s.road_class WHEN 'expressway' THEN 3 WHEN 'national' THEN 2 ELSE 1 END,
       coalesce(c.code, 'C' || c.id), 'synthetic', coalesce(c.code, 'C' || c.id) || '/' || d.day || '/' || k.kind,
       'src:synthetic:' || coalesce(c.code, 'C' || c.id) || '/' || d.day || '/' || k.kind,
       c.segment_id, c.route_code, c.stake_m, c.stake, c.offset_m, c.road_distance_m, c.county_adcode, c.geom
FROM cameras c
LEFT JOIN road_segments s ON s.id = c.segment_id
CROSS JOIN LATERAL (
    SELECT (CAST(:end_day AS date) - g)::date AS day FROM generate_series(0, :days - 1) AS g
) d
JOIN (VALUES ('speed', '超速', 40), ('checkpoint', '超速', 15), ('checkpoint', '不按规定车道行驶', 8),
             ('checkpoint', '违法停车', 5), ('checkpoint', '闯红灯', 4)) AS k(camera_kind, kind, spread)
  ON k.camera_kind = c.kind
WHERE c.status = 'active'
