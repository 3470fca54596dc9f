-- The accidents of [:start, :end) on a segment: segment and time (seconds since the epoch), for the
-- risk model's cells.
SELECT segment_id, extract(epoch FROM occurred_at)::float8 AS t
FROM accidents
WHERE occurred_at >= :start AND occurred_at < :end AND segment_id IS NOT NULL
