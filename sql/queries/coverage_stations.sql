-- Active stations of one facility table (named by the caller from code, then quoted), installed by
-- :as_of when given, of the given kinds ({kind_filter} is empty or a fixed clause chosen by code).
-- A station referenced to a road outside the measured classes (a ramp, a toll plaza road) is placed
-- on the nearest measured road when that lies within :snap_m metres: service points stand beside
-- the expressway they serve. Returns the route, class and direction of stakes, the stake and county.
WITH f AS (
    SELECT f.id, f.route_code, f.stake_m, f.county_adcode, f.segment_id, f.geom,
           coalesce(s.road_class = ANY (:classes), false) AS measured
    FROM {table} f
    LEFT JOIN road_segments s ON s.id = f.segment_id
    WHERE f.status = 'active'
      AND (CAST(:as_of AS integer) IS NULL OR f.install_year IS NULL OR f.install_year <= CAST(:as_of AS integer))
      {kind_filter}
), placed AS (
    SELECT f.id,
           CASE WHEN l.segment_id IS NOT NULL AND l.distance_m <= :snap_m THEN l.segment_id ELSE f.segment_id END
               AS segment_id,
           CASE WHEN l.segment_id IS NOT NULL AND l.distance_m <= :snap_m THEN l.stake_m ELSE f.stake_m END
               AS stake_m,
           CASE WHEN l.segment_id IS NOT NULL AND l.distance_m <= :snap_m THEN l.route_code ELSE f.route_code END
               AS route_code,
           coalesce(f.county_adcode, l.county_adcode) AS county_adcode
    FROM f
    LEFT JOIN LATERAL (
        SELECT * FROM daoan_locate_point(f.geom, CAST(:classes AS text[])) WHERE NOT f.measured
    ) l ON true
)
SELECT p.id, coalesce(s.route_code, p.route_code) AS route_code, s.road_class, s.oneway,
       s.start_stake_m, s.end_stake_m, p.stake_m, coalesce(p.county_adcode, s.county_adcode, '') AS county_adcode
FROM placed p
LEFT JOIN road_segments s ON s.id = p.segment_id
