-- Stations of one facility table (named by the caller from code, then quoted) in service at the end of
-- :at (today when NULL), and those put into service by then (for construction counts), of the given
-- kinds ({kind_filter} is empty or a fixed clause chosen by code).
-- A station referenced to a road outside the measured classes (a ramp, a toll plaza road) is placed
-- on the nearest measured road when that lies within :snap_m metres: service points stand beside
-- the expressway they serve. A station named as serving an expressway (its name holds one of
-- :expressway_names, e.g. 高速公路) is placed on the nearest expressway within :expressway_snap_m,
-- whatever road it was referenced to (it stands on a ramp, often nearer a national road).
-- Returns the route, class and direction of stakes, the stake, county, install date and service flag.
WITH f AS (
    SELECT f.id, f.route_code, f.stake_m, f.county_adcode, f.segment_id, f.geom, f.install_date,
           daoan_in_service(f.status, f.install_date, f.retired_on, CAST(:at AS date)) AS in_service,
           x.named AS expressway_named,
           CASE WHEN x.named THEN coalesce(s.road_class = 'expressway', false)
                ELSE coalesce(s.road_class = ANY (:classes), false) END AS measured
    FROM {table} f
    LEFT JOIN road_segments s ON s.id = f.segment_id
    CROSS JOIN LATERAL (
        SELECT coalesce(f.name LIKE ANY (SELECT '%' || n || '%' FROM unnest(CAST(:expressway_names AS text[])) n),
                        false) AS named
    ) x
    WHERE (daoan_in_service(f.status, f.install_date, f.retired_on, CAST(:at AS date))
           OR (f.status <> 'planned' AND f.install_date <= coalesce(CAST(:at AS date), current_date)))
      {kind_filter}
), located AS (
    SELECT f.*, l.segment_id AS l_segment_id, l.stake_m AS l_stake_m, l.route_code AS l_route_code,
           l.county_adcode AS l_county_adcode,
           l.segment_id IS NOT NULL
               AND l.distance_m <= CASE WHEN f.expressway_named THEN :expressway_snap_m ELSE :snap_m END AS moved
    FROM f
    LEFT JOIN LATERAL (
        SELECT * FROM daoan_locate_point(
            f.geom, CASE WHEN f.expressway_named THEN ARRAY['expressway'] ELSE CAST(:classes AS text[]) END
        ) WHERE NOT f.measured
    ) l ON true
), placed AS (
    SELECT id, install_date, in_service,
           CASE WHEN moved THEN l_segment_id ELSE segment_id END AS segment_id,
           CASE WHEN moved THEN l_stake_m ELSE stake_m END AS stake_m,
           CASE WHEN moved THEN l_route_code ELSE route_code END AS route_code,
           coalesce(county_adcode, l_county_adcode) AS county_adcode
    FROM located
)
SELECT p.id, coalesce(s.route_code, p.route_code) AS route_code, s.road_class, s.oneway,
       s.start_stake_m, s.end_stake_m, p.stake_m, coalesce(p.county_adcode, s.county_adcode, '') AS county_adcode,
       p.install_date, p.in_service
FROM placed p
LEFT JOIN road_segments s ON s.id = p.segment_id
