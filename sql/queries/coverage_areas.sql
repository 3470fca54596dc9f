-- Administrative areas (province, cities, counties) and their parents.
SELECT adcode, name, level, parent_adcode FROM admin_areas ORDER BY adcode
