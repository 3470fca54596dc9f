-- Record what the coverage_gaps just written were computed from, with the table's own version now.
INSERT INTO coverage_gap_state (id, sources, gaps_version, years, computed_at, duration_ms)
SELECT 1, CAST(:sources AS jsonb), v.version, CAST(:years AS smallint[]), now(), :duration_ms
FROM layer_versions v
WHERE v.layer = 'coverage_gaps'
ON CONFLICT (id) DO UPDATE
    SET sources = EXCLUDED.sources, gaps_version = EXCLUDED.gaps_version, years = EXCLUDED.years,
        computed_at = EXCLUDED.computed_at, duration_ms = EXCLUDED.duration_ms
RETURNING gaps_version
