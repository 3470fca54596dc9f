-- Staged rows whose code or source record id repeats an earlier row's: (row, first row, key).
-- Hash keys ('h:…') are not listed: identical rows are numbered instead (daoan_number_duplicate_keys).
SELECT id, first_id, natural_key
FROM (
    SELECT id, natural_key, min(id) OVER (PARTITION BY natural_key) AS first_id
    FROM import_stage
    WHERE natural_key NOT LIKE 'h:%'
) AS s
WHERE id > first_id
ORDER BY id
