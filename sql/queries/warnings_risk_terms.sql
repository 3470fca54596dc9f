-- The coefficients (name, estimate, se) of risk model :model_id, for the live conditions' rise.
SELECT terms FROM risk_models WHERE id = :model_id
