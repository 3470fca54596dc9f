-- Reads of internal layers (the plan's 安全接入, 二(四)1): who read what, when, and how many features.
-- The server appends rows (gis/audit.py, after the answer is built) and reads them back for
-- `daoan audit list`; it may neither change nor delete them.
CREATE TABLE read_audit (
    id          bigserial PRIMARY KEY,
    read_at     timestamptz NOT NULL DEFAULT now(),
    token_name  text NOT NULL,            -- the token's name from the settings ("admin" for DAOAN_API_TOKEN)
    role        text NOT NULL,            -- viewer, planner, operator or admin
    layer       text NOT NULL,            -- the internal layer (or the layer whose internal properties were read)
    method      text NOT NULL,
    path        text NOT NULL,            -- the request path
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,  -- the query string, as given
    features    integer NOT NULL CHECK (features >= 0)  -- features of the layer in the answer
);
CREATE INDEX read_audit_read_at_idx ON read_audit (read_at);
CREATE INDEX read_audit_token_idx ON read_audit (token_name, read_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'daoan_app') THEN
        GRANT SELECT, INSERT ON read_audit TO daoan_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON read_audit FROM daoan_app;
        GRANT USAGE, SELECT ON SEQUENCE read_audit_id_seq TO daoan_app;
    END IF;
END
$$;
