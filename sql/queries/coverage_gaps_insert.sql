-- Store camera spacing gaps (planning/gapstore.py): one row per gap, its line built from the
-- (gap id, segment, from stake, to stake) pieces along the road by daoan_stake_lines (migration 013).
-- Gaps whose segments have gone get no line and are left out (the geometry is required).
WITH line AS (
    SELECT stretch AS gap, ST_Multi(geom) AS geom
    FROM daoan_stake_lines(CAST(:piece_gaps AS bigint[]), CAST(:piece_segments AS bigint[]),
                           CAST(:piece_from_m AS double precision[]), CAST(:piece_to_m AS double precision[]))
)
INSERT INTO coverage_gaps (id, kind, year, newest_year, route_code, roads, direction, from_stake, to_stake,
                           from_stake_m, to_stake_m, length_m, spacing_m, cameras_needed, county_adcode,
                           city_adcode, geom)
SELECT g.id, 'camera', g.year, g.newest_year, g.route_code, g.roads, g.direction, g.from_stake, g.to_stake,
       g.from_stake_m, g.to_stake_m, g.length_m, g.spacing_m, g.cameras_needed, nullif(g.county_adcode, ''),
       nullif(g.city_adcode, ''), l.geom
FROM unnest(CAST(:ids AS bigint[]), CAST(:years AS smallint[]), CAST(:newest AS boolean[]),
            CAST(:route_codes AS text[]), CAST(:roads AS text[]), CAST(:directions AS text[]),
            CAST(:from_stakes AS text[]), CAST(:to_stakes AS text[]),
            CAST(:from_stake_m AS double precision[]), CAST(:to_stake_m AS double precision[]),
            CAST(:length_m AS double precision[]), CAST(:spacing_m AS double precision[]),
            CAST(:cameras_needed AS integer[]), CAST(:county_adcodes AS text[]), CAST(:city_adcodes AS text[]))
     AS g(id, year, newest_year, route_code, roads, direction, from_stake, to_stake, from_stake_m, to_stake_m,
          length_m, spacing_m, cameras_needed, county_adcode, city_adcode)
JOIN line l ON l.gap = g.id
WHERE NOT ST_IsEmpty(l.geom)
