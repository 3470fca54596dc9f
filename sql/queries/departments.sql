-- The departments facilities may belong to (migration 017), for validating imports.
SELECT name, name_en FROM departments ORDER BY name
