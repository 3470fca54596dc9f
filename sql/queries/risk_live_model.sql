-- The current risk model for the live scores, with the road network's data version (the segments the
-- scores cover are cached until either changes).
SELECT m.id, m.fitted_at, m.terms, m.groups, m.baselines, m.weather_shares, m.statistics,
       (SELECT v.version FROM layer_versions v WHERE v.layer = 'road_segments') AS roads_version
FROM risk_models m
WHERE m.current
ORDER BY m.id DESC
LIMIT 1
