-- The stretches of measured roads lying inside active hazard zones of the given kinds, as stake
-- ranges on their routes (segments without stakes give their length only: stake columns NULL), with the
-- kind of the zone each lies in.
WITH zone AS (
    SELECT z.id, z.kind, z.geom FROM hazard_zones z WHERE z.active AND z.kind = ANY (:kinds)
), piece AS (
    SELECT s.id AS segment_id, s.route_code, s.road_class, s.start_stake_m, s.end_stake_m, s.length_m,
           coalesce(s.county_adcode, '') AS county_adcode, s.geom AS seg_geom, d.geom, z.kind
    FROM zone z
    JOIN road_segments s ON s.geom && z.geom AND s.road_class = ANY (:classes)
    CROSS JOIN LATERAL ST_Dump(ST_Intersection(s.geom, z.geom)) d
    WHERE ST_Intersects(s.geom, z.geom) AND GeometryType(d.geom) = 'LINESTRING'
)
SELECT p.segment_id, p.route_code, p.road_class, p.county_adcode,
       p.start_stake_m + f.f0 * (p.end_stake_m - p.start_stake_m) AS stake_a,
       p.start_stake_m + f.f1 * (p.end_stake_m - p.start_stake_m) AS stake_b,
       abs(f.f1 - f.f0) * p.length_m AS length_m, p.kind
FROM piece p
CROSS JOIN LATERAL (
    SELECT ST_LineLocatePoint(p.seg_geom, ST_StartPoint(p.geom)) AS f0,
           ST_LineLocatePoint(p.seg_geom, ST_EndPoint(p.geom)) AS f1
) f
