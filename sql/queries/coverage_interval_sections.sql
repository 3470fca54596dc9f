-- Active interval speed sections (installed by :as_of when given) with their stake range and county.
SELECT i.id, i.route_code, least(i.start_stake_m, i.end_stake_m) AS from_m,
       greatest(i.start_stake_m, i.end_stake_m) AS to_m, coalesce(i.county_adcode, '') AS county_adcode
FROM interval_speed_sections i
WHERE i.status = 'active'
  AND i.route_code IS NOT NULL AND i.start_stake_m IS NOT NULL AND i.end_stake_m IS NOT NULL
  AND (CAST(:as_of AS integer) IS NULL OR i.install_year IS NULL OR i.install_year <= CAST(:as_of AS integer))
