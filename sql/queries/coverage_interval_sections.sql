-- Interval speed sections in service at the end of :at (today when NULL) with their stake range and county.
SELECT i.id, i.route_code, least(i.start_stake_m, i.end_stake_m) AS from_m,
       greatest(i.start_stake_m, i.end_stake_m) AS to_m, coalesce(i.county_adcode, '') AS county_adcode
FROM interval_speed_sections i
WHERE daoan_in_service(i.status, i.install_date, i.retired_on, CAST(:at AS date))
  AND i.route_code IS NOT NULL AND i.start_stake_m IS NOT NULL AND i.end_stake_m IS NOT NULL
