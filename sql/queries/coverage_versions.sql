-- Data versions of the layers a coverage analysis reads, and the standard set in force.
SELECT layer, version FROM layer_versions WHERE layer = ANY (:layers)
UNION ALL
SELECT 'coverage_standard_sets', coalesce(max(id), 0) FROM coverage_standard_sets
