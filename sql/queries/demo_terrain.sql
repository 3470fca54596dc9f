-- The demo's segment grades and altitudes as the DEM import stored them (its accidents are drawn on them).
SELECT id, abs(grade_pct) AS grade_pct, altitude_mean_m AS altitude_m FROM segment_terrain
