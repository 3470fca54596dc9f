-- The road between two stakes of a route as a GeoJSON (Multi)LineString: each overlapping
-- segment cut to the range, on the carriageways closed in :direction (issue 13: the incident's
-- geometry is the stake range asked, per direction): 'both' takes every carriageway; 'forward'
-- (increasing stakes) or 'backward' takes the one-way segments running that way and the two-way
-- ones. `segments` counts the overlapping segments in any direction (none: no road there).
SELECT ST_AsGeoJSON(ST_Multi(ST_Collect(ST_LineSubstring(s.geom, least(f.a, f.b), greatest(f.a, f.b)))
                             FILTER (WHERE f.closed)), 7) AS geometry,
       count(*) AS segments
FROM daoan_segments_for_stakes(:route, :lo, :hi) x
JOIN road_segments s ON s.id = x.segment_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.end_stake_m = s.start_stake_m THEN 0
                ELSE greatest(0, least(1, (least(:lo, :hi) - s.start_stake_m) / (s.end_stake_m - s.start_stake_m))) END AS a,
           CASE WHEN s.end_stake_m = s.start_stake_m THEN 1
                ELSE greatest(0, least(1, (greatest(:lo, :hi) - s.start_stake_m) / (s.end_stake_m - s.start_stake_m))) END AS b,
           CAST(:direction AS text) = 'both' OR (CAST(:direction AS text) = 'forward') = x.increasing
               OR NOT s.oneway AS closed
) f
