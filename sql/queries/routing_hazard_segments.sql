-- Segments inside every active hazard zone (for hazard_ids on routes and avoid=hazards), with the
-- zone's own stake range where it carries one (properties from_stake_m / to_stake_m) and whether the
-- segment is a bridge or a tunnel (the warnings name the structure), and the one carriageway it is
-- for where it says so (properties direction up/down: a black spot of one direction), and the road the
-- zone was recorded on (route_code: a zone of S326 touching G4 at an interchange is no G4 driver's hazard).
SELECT z.id AS zone_id, z.kind, s.id AS segment_id, z.name, z.route_code,
       CASE WHEN jsonb_typeof(z.properties -> 'from_stake_m') = 'number'
            THEN (z.properties ->> 'from_stake_m')::float8 END AS from_stake_m,
       CASE WHEN jsonb_typeof(z.properties -> 'to_stake_m') = 'number'
            THEN (z.properties ->> 'to_stake_m')::float8 END AS to_stake_m,
       CASE WHEN z.properties ->> 'direction' IN ('up', 'down') THEN z.properties ->> 'direction' END AS direction,
       coalesce(s.bridge, false) AS bridge, coalesce(s.tunnel, false) AS tunnel
FROM hazard_zones z
JOIN road_segments s ON s.geom && z.geom AND ST_Intersects(s.geom, z.geom)
WHERE z.active
