-- Command centres by level and the area they serve (their own adcode, else the county they stand in).
SELECT c.id, c.level, coalesce(c.adcode, c.county_adcode, '') AS adcode
FROM command_centres c
