-- After a restore: every layer's version moves past every version seen before it (:before), so no
-- server or client cache keyed by a version can take the restored data for what it cached.
UPDATE layer_versions SET version = version + :before + 1, changed_at = now()
