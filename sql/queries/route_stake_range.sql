-- The stake range a route covers (for messages about stakes off the route).
SELECT min(least(start_stake_m, end_stake_m)) AS lo, max(greatest(start_stake_m, end_stake_m)) AS hi,
       count(*) AS segments
FROM road_segments WHERE route_code = :route
