-- Warnings in force at :at of reasons :reasons (the ones an evaluation re-decides), by condition.
SELECT id, condition_key, level, issued_at
FROM warnings
WHERE expires_at > :at AND issued_at <= :at AND reason = ANY(CAST(:reasons AS text[]))
ORDER BY id
