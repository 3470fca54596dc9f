-- Hazard zones of kind 'blackspot' for the best :max_zones stored black spots of :method: the road
-- under each, :half_width_m either side; severity 5 for the ten worst, 4 to rank 50, else 3. Public
-- (the roadside sign says 事故多发路段 too); the counts stay with the internal black_spots layer.
-- The name says the direction (上行/下行: a route's two carriageways are ranked apart, so two zones may
-- share stakes) and the properties carry the spot's own stakes, which the warnings on /route steps
-- name instead of the stakes of the (kilometres long) segments the zone touches.
INSERT INTO hazard_zones (name, kind, severity, active, route_code, source, source_id, properties, natural_key, geom)
SELECT b.route_code || CASE b.direction WHEN 'up' THEN ' 上行 ' WHEN 'down' THEN ' 下行 ' ELSE ' ' END
         || b.from_stake || '至' || b.to_stake || ' 事故多发' || CASE b.kind WHEN 'point' THEN '点' ELSE '段' END,
       'blackspot',
       CASE WHEN b.rank <= 10 THEN 5 WHEN b.rank <= 50 THEN 4 ELSE 3 END,
       true,
       b.route_code,
       'black_spots',
       b.method || ':' || b.rank,
       jsonb_build_object('black_spot_id', b.id, 'method', b.method, 'rank', b.rank, 'direction', b.direction,
                          'from_stake', b.from_stake, 'to_stake', b.to_stake,
                          'from_stake_m', b.from_stake_m, 'to_stake_m', b.to_stake_m),
       'src:black_spots:' || b.method || ':' || b.rank,
       ST_Multi(ST_CollectionExtract(ST_Buffer(b.geom::geography, :half_width_m)::geometry, 3))
FROM black_spots b
WHERE b.method = :method AND b.rank <= :max_zones
