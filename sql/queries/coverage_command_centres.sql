-- Command centres standing at the end of :at (today when NULL), by level and the area they serve
-- (their own adcode, else the county they stand in). Unknown dates: standing.
SELECT c.id, c.level, coalesce(c.adcode, c.county_adcode, '') AS adcode
FROM command_centres c
WHERE (c.install_date IS NULL OR c.install_date <= coalesce(CAST(:at AS date), current_date))
  AND (c.retired_on IS NULL OR c.retired_on > coalesce(CAST(:at AS date), current_date))
