-- Every target of one coverage standard set.
SELECT year, roads, metric, scope, value, carried_from, seed, counts, since
FROM coverage_standards
WHERE set_id = :set_id
ORDER BY year, roads, metric
