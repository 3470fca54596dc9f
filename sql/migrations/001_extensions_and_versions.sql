-- Extensions and the per-layer data version that tile caches and routing overlays key on.
CREATE EXTENSION IF NOT EXISTS postgis;

-- One row per layer table; bumped by a statement trigger on every change and announced on
-- the channel 'daoan_layers' so that every server worker can drop what it cached.
CREATE TABLE layer_versions (
    layer       text PRIMARY KEY,
    version     bigint NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION daoan_bump_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layer_versions (layer, version, changed_at)
    VALUES (TG_TABLE_NAME, 2, now())
    ON CONFLICT (layer) DO UPDATE
        SET version = layer_versions.version + 1, changed_at = now();
    PERFORM pg_notify('daoan_layers', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

-- Attach the version trigger to a layer table (called by later migrations).
CREATE FUNCTION daoan_track_layer(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
        'FOR EACH STATEMENT EXECUTE FUNCTION daoan_bump_layer_version()',
        tbl::text || '_version', tbl);
    INSERT INTO layer_versions (layer) VALUES (tbl::text) ON CONFLICT DO NOTHING;
END;
$$;
