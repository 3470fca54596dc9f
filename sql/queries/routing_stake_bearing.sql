-- Compass bearing (degrees) of increasing stakes between two stakes of a route.
SELECT degrees(ST_Azimuth(a.geom, b.geom)) AS bearing
FROM daoan_point_at_stake(:route, least(CAST(:lo AS float8), CAST(:hi AS float8))) a,
     daoan_point_at_stake(:route, greatest(CAST(:lo AS float8), CAST(:hi AS float8)) + CASE WHEN :lo = :hi THEN 100 ELSE 0 END) b
