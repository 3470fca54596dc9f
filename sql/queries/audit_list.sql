-- The newest audit rows, optionally since a time, of one layer, of one token name (daoan audit list).
SELECT id, read_at, token_name, role, layer, method, path, params, features
FROM read_audit
WHERE (CAST(:since AS timestamptz) IS NULL OR read_at >= CAST(:since AS timestamptz))
  AND (CAST(:layer AS text) IS NULL OR layer = CAST(:layer AS text))
  AND (CAST(:token AS text) IS NULL OR token_name = CAST(:token AS text))
ORDER BY read_at DESC, id DESC
LIMIT :limit;
