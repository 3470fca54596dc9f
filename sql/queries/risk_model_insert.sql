-- Keep a fitted risk model as the current one (the caller has cleared the previous `current`).
INSERT INTO risk_models (family, unit, period_start, period_end, terms, alpha, units, accidents, log_likelihood,
                         aic, deviance, current)
VALUES (:family, :unit, :start, :end, CAST(:terms AS jsonb), :alpha, :units, :accidents, :llf, :aic, :deviance, true)
RETURNING id
