-- Incidents as features: all (:status = 'all'), those in force now ('active'), or one (:id).
SELECT i.id, i.kind, i.effect, i.speed_cap_kmh, i.weather, i.direction, i.direction_label, i.route_code, i.from_stake_m,
       i.to_stake_m, i.toll_station_id, i.description, i.starts_at, i.ends_at, i.ended_at, i.created_by,
       i.created_at, i.updated_by, i.updated_at, i.version, ST_AsGeoJSON(i.geom, 7) AS geometry,
       CASE WHEN i.ended_at IS NOT NULL OR (i.ends_at IS NOT NULL AND i.ends_at <= now()) THEN 'ended'
            WHEN i.starts_at > now() THEN 'scheduled' ELSE 'in_force' END AS status
FROM incidents i
WHERE (CAST(:id AS bigint) IS NULL OR i.id = :id)
  AND (:status = 'all' OR CAST(:id AS bigint) IS NOT NULL
       OR (i.starts_at <= now() AND i.ended_at IS NULL AND (i.ends_at IS NULL OR i.ends_at > now()))
       OR (:status = 'current' AND i.ended_at IS NULL AND (i.ends_at IS NULL OR i.ends_at > now())))
ORDER BY i.id
LIMIT :limit OFFSET :offset
