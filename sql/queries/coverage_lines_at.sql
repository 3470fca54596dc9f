-- Lines along stake ranges of given segments, merged per stretch (a gap), as GeoJSON geometries.
SELECT stretch, ST_AsGeoJSON(geom, 6) AS geometry
FROM daoan_stake_lines(CAST(:stretch_ids AS bigint[]), CAST(:segment_ids AS bigint[]),
                       CAST(:from_m AS double precision[]), CAST(:to_m AS double precision[]))
