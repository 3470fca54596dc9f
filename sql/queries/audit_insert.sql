-- Append a batch of audit entries (gis/audit.py): :rows is a JSON array of objects named as the
-- table's columns, written in one statement, ids in the array's order.
INSERT INTO read_audit (read_at, token_name, role, layer, method, path, params, features)
SELECT x.read_at, x.token_name, x.role, x.layer, x.method, x.path, x.params, x.features
FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS e (item, n)
CROSS JOIN LATERAL jsonb_populate_record(NULL::read_audit, e.item) AS x
ORDER BY e.n;
