-- The highest layer version before a restore (0 when the database has no Daoan tables yet).
SELECT CASE WHEN to_regclass('layer_versions') IS NULL THEN 0
            ELSE (SELECT coalesce(max(version), 0) FROM layer_versions) END AS version
