-- Append a batch of audit entries (gis/audit.py): :rows is a JSON array of objects with the columns'
-- names, written in one statement.
INSERT INTO read_audit (read_at, token_name, role, layer, method, path, params, features)
SELECT r.read_at, r.token_name, r.role, r.layer, r.method, r.path, r.params, r.features
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r (
    read_at timestamptz, token_name text, role text, layer text, method text, path text, params jsonb, features integer
);
