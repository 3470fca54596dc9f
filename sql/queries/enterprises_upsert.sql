-- Upsert the staged enterprises on their unified social credit code; unchanged rows are left alone.
-- Each returned row says whether it was inserted.
INSERT INTO enterprises AS t (code, name, kind, county_adcode, address, status, source, properties)
SELECT code, name, kind, county_adcode, address, coalesce(status, 'active'), coalesce(source, 'import'), properties
FROM registry_stage
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, county_adcode = EXCLUDED.county_adcode,
    address = EXCLUDED.address, status = EXCLUDED.status, source = EXCLUDED.source,
    properties = EXCLUDED.properties, updated_at = now()
WHERE (t.name, t.kind, t.county_adcode, t.address, t.status, t.source, t.properties)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.county_adcode, EXCLUDED.address, EXCLUDED.status,
                        EXCLUDED.source, EXCLUDED.properties)
RETURNING (t.xmax = 0) AS inserted
