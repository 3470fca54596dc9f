-- Natural keys: every row of an importable layer carries the key an import upserts on, so that
-- importing the same file twice leaves the same rows (same ids, values updated).
--
-- The key, by precedence (daoan_natural_key):
--   'code:<code>'               the layer's own identifier: a camera's device code, a weather
--                               station's CMA station number (区站号), an area's or seat's adcode;
--   'src:<source>:<source_id>'  the record id of the source it came from (an 'id' column, a GeoJSON
--                               feature id, an OSM node/way id such as 'osm' + 'n123');
--   'h:<md5>'                   else a hash of kind, name and position (coordinates rounded to
--                               1e-5 degree, about a metre).
-- Rows equal in all of these within one file are numbered in file order ('#2', '#3', …), so a file
-- holding two identical cameras loads two rows, and loads the same two again on a re-import.
--
-- Existing rows are given their keys here. Rows that share a key (typically a file imported twice
-- before this migration) are all kept: the oldest (lowest id) gets the plain key, so that the next
-- import of the file updates it, and the later copies are numbered '#2', '#3', … in id order. Nothing
-- is deleted, because a migration cannot tell a double import from two real, identical facilities;
-- `daoan import facilities --replace` with the current file removes the copies it does not hold.

ALTER TABLE cameras ADD COLUMN code text;  -- device code (e.g. the 20-digit GB/T 28181 id)

CREATE FUNCTION daoan_natural_key(code text, source text, source_id text, kind text, name text, geom geometry)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN nullif(btrim(code), '') IS NOT NULL THEN 'code:' || btrim(code)
        WHEN nullif(btrim(source_id), '') IS NOT NULL THEN 'src:' || coalesce(source, '') || ':' || btrim(source_id)
        ELSE 'h:' || md5(concat_ws('|', coalesce(kind, ''), coalesce(name, ''), ST_AsText(geom, 5)))
    END
$$;

-- Number the rows of `tbl` (among those whose id is in `ids`, or all when `ids` is NULL) that share
-- a natural key: the first in id order keeps it, the others get '#2', '#3', … .
CREATE FUNCTION daoan_number_duplicate_keys(tbl regclass, ids bigint[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format(
        'UPDATE %1$s AS t SET natural_key = t.natural_key || ''#'' || d.rn '
        'FROM (SELECT id, row_number() OVER (PARTITION BY natural_key ORDER BY id) AS rn FROM %1$s '
        '      WHERE natural_key IS NOT NULL AND ($1 IS NULL OR id = ANY ($1))) AS d '
        'WHERE t.id = d.id AND d.rn > 1', tbl)
    USING ids;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;

DO $$
DECLARE
    -- table, its code column, its kind column (NULL where it has none)
    layers text[][] := ARRAY[
        ['admin_areas', 'adcode', 'level'],
        ['cameras', 'code', 'kind'],
        ['interval_speed_sections', NULL, NULL],
        ['enforcement_stations', NULL, NULL],
        ['toll_stations', NULL, NULL],
        ['service_areas', NULL, NULL],
        ['guidance_signs', NULL, 'kind'],
        ['weather_stations', 'station_code', 'kind'],
        ['command_centres', NULL, 'level'],
        ['admin_seats', 'adcode', 'level'],
        ['hazard_zones', NULL, 'kind']
    ];
    i int;
    t text;
    source_id_col text;
BEGIN
    FOR i IN 1 .. array_length(layers, 1) LOOP
        t := layers[i][1];
        -- admin_areas has a source but no source_id column
        source_id_col := CASE WHEN t = 'admin_areas' THEN 'NULL' ELSE 'source_id' END;
        EXECUTE format('ALTER TABLE %I ADD COLUMN natural_key text', t);
        EXECUTE format(
            'UPDATE %I SET natural_key = daoan_natural_key(%s, source, %s, %s, name, geom)',
            t,
            coalesce(quote_ident(layers[i][2]), 'NULL'),
            source_id_col,
            coalesce(quote_ident(layers[i][3]), 'NULL'));
        PERFORM daoan_number_duplicate_keys(t::regclass);
        EXECUTE format('CREATE UNIQUE INDEX %1$s_natural_key_idx ON %1$I (natural_key)', t);
    END LOOP;
END;
$$;
