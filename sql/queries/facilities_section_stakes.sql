-- Route and stakes of the staged interval speed sections of an import whose two ends both lie within :limit_m
-- metres of the same route; values given in the file win. Sections elsewhere keep NULL stakes.
UPDATE import_stage AS t
SET route_code = coalesce(t.route_code, a.route_code),
    start_stake_m = coalesce(t.start_stake_m, a.stake_m),
    end_stake_m = coalesce(t.end_stake_m, b.stake_m),
    county_adcode = coalesce(t.county_adcode, a.county_adcode)
FROM import_stage AS src
CROSS JOIN LATERAL daoan_locate_point(src.start_geom) AS a
CROSS JOIN LATERAL daoan_locate_point(src.end_geom) AS b
WHERE t.id = src.id
  AND src.id = ANY (CAST(:ids AS bigint[]))
  AND a.distance_m <= :limit_m
  AND b.distance_m <= :limit_m
  AND a.route_code = b.route_code
  AND (src.route_code IS NULL OR src.route_code = a.route_code)
