-- What the stored coverage_gaps were computed from (planning/gapstore.py); no row before the first run.
SELECT sources, gaps_version, years, computed_at FROM coverage_gap_state WHERE id = 1
