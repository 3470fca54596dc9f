-- The stored black spots of one method, best first, within an area (LIKE pattern of county adcodes).
SELECT rank, route_code, direction, from_stake, to_stake, kind, road_class, accidents, fatal, injury, deaths,
       injuries, score, criteria, period_start, period_end, county_adcode
FROM black_spots
WHERE method = :method AND (CAST(:area AS text) IS NULL OR county_adcode LIKE :area)
ORDER BY rank
LIMIT :limit
