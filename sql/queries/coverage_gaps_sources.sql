-- Data versions of the layers the stored coverage_gaps derive from, and of coverage_gaps itself.
SELECT layer, version FROM layer_versions WHERE layer = ANY (:layers)
