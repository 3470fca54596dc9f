-- The staging table of one key-vehicle registry import, dropped when its transaction ends.
CREATE TEMP TABLE registry_stage (
    plate text, kind text, enterprise_code text, status text, source text, properties jsonb
) ON COMMIT DROP
