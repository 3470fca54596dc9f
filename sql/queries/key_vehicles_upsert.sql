-- Upsert the staged key vehicles on their plate; unchanged rows are left alone. Each returned row says
-- whether it was inserted.
INSERT INTO key_vehicles AS t (plate, kind, enterprise_code, status, source, properties)
SELECT plate, kind, enterprise_code, coalesce(status, 'active'), coalesce(source, 'import'), properties
FROM registry_stage
ON CONFLICT (plate) DO UPDATE
SET kind = EXCLUDED.kind, enterprise_code = EXCLUDED.enterprise_code, status = EXCLUDED.status,
    source = EXCLUDED.source, properties = EXCLUDED.properties, updated_at = now()
WHERE (t.kind, t.enterprise_code, t.status, t.source, t.properties)
      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.enterprise_code, EXCLUDED.status, EXCLUDED.source, EXCLUDED.properties)
RETURNING (t.xmax = 0) AS inserted
