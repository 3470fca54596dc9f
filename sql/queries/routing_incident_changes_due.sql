-- The next moment after :at at which an incident starts or ends by the clock (no write needed).
SELECT min(t) AS next_change FROM (
    SELECT starts_at AS t FROM incidents WHERE starts_at > :at AND ended_at IS NULL
    UNION ALL
    SELECT ends_at FROM incidents WHERE ends_at > :at AND ended_at IS NULL
) x
