-- The staging table of one enterprise registry import, dropped when its transaction ends.
CREATE TEMP TABLE registry_stage (
    code text, name text, kind text, county_adcode text, address text, status text, source text, properties jsonb
) ON COMMIT DROP
