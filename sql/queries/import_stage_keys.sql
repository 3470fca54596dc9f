-- The natural key of every staged row of an import ({key}: daoan_natural_key over the layer's
-- columns, from code); repeats are found (import_stage_repeats.sql) before they are numbered.
UPDATE import_stage AS t SET natural_key = {key}
