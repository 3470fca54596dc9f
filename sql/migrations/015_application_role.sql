-- The server's application role, daoan_app: reads and writes the data tables, nothing else (no DDL, no
-- extensions, no superuser). gis/cluster.py gives it LOGIN and a password on the project's own cluster;
-- on another server the operator does (ALTER ROLE daoan_app LOGIN PASSWORD …) and names it in
-- DAOAN_APP_DATABASE_URL. Tables and sequences the owner creates later get the same grants by default.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'daoan_app') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE NOTICE 'role daoan_app missing and % may not create it: no grants made', current_user;
            RETURN;
        END IF;
        CREATE ROLE daoan_app NOLOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO daoan_app', current_database());
    GRANT USAGE ON SCHEMA public TO daoan_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO daoan_app;
    -- The catalogue of reference systems and the migration record are read-only to the server.
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM daoan_app;
    IF to_regclass('public.spatial_ref_sys') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON spatial_ref_sys FROM daoan_app;
    END IF;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO daoan_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO daoan_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO daoan_app;
END
$$;
