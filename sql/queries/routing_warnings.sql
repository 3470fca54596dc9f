-- Early warnings in force at :at on the routing network, one row per warning and segment: its
-- direction (up: the arcs driven with increasing stakes), level and messages, and when it expires.
SELECT w.id AS warning_id, s.segment_id, w.direction, w.level, w.message_zh, w.message_en, w.expires_at
FROM warnings w
CROSS JOIN LATERAL unnest(w.segment_ids) AS s(segment_id)
WHERE w.issued_at <= :at AND w.expires_at > :at
ORDER BY w.id, s.segment_id
