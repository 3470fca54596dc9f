-- Segments affected by every incident in force at :at and the directions closed or capped:
-- `along` / `against` the segment's digitisation. Stake-range incidents use the stakes
-- (forward = increasing stakes); the others their geometry (forward = along the digitisation).
-- Entrance closures act on toll stations, not segments, and are read by routing_entrance_closures.sql.
WITH live AS (
    SELECT i.id, i.kind, i.effect, i.speed_cap_kmh, i.direction, i.route_code, i.from_stake_m, i.to_stake_m, i.geom
    FROM incidents i
    WHERE i.starts_at <= :at AND (i.ended_at IS NULL OR i.ended_at > :at) AND (i.ends_at IS NULL OR i.ends_at > :at)
      AND i.kind <> 'entrance_closure'
)
SELECT l.id AS incident_id, l.kind, l.effect, l.speed_cap_kmh, l.route_code, l.from_stake_m, l.to_stake_m, x.segment_id,
       l.direction = 'both' OR (l.direction = 'forward') = x.increasing AS along,
       l.direction = 'both' OR (l.direction = 'backward') = x.increasing AS against
FROM live l
CROSS JOIN LATERAL daoan_segments_for_stakes(l.route_code, l.from_stake_m, l.to_stake_m) x
WHERE l.route_code IS NOT NULL AND l.from_stake_m IS NOT NULL AND l.to_stake_m IS NOT NULL
UNION ALL
SELECT l.id, l.kind, l.effect, l.speed_cap_kmh, l.route_code, l.from_stake_m, l.to_stake_m, x.segment_id,
       l.direction IN ('both', 'forward'), l.direction IN ('both', 'backward')
FROM live l
CROSS JOIN LATERAL daoan_segments_for_geometry(l.geom) x
WHERE l.route_code IS NULL OR l.from_stake_m IS NULL OR l.to_stake_m IS NULL
