-- Keep a fitted risk model as the current one (the caller has cleared the previous `current`).
INSERT INTO risk_models (family, unit, period_start, period_end, terms, alpha, units, accidents, log_likelihood,
                         aic, deviance, current, cells, exposure_km_years, statistics, settings, groups, baselines,
                         weather_shares)
VALUES (:family, :unit, :start, :end, CAST(:terms AS jsonb), :alpha, :units, :accidents, :llf, :aic, :deviance, true,
        :cells, :exposure, CAST(:statistics AS jsonb), CAST(:settings AS jsonb), CAST(:groups AS jsonb),
        CAST(:baselines AS jsonb), CAST(:weather_shares AS jsonb))
RETURNING id
