-- The data version of every layer (bumped by triggers on each change).
SELECT layer, version FROM layer_versions
