-- One target of a coverage standard set.
INSERT INTO coverage_standards (set_id, year, roads, metric, scope, value, carried_from, seed, counts, since)
VALUES (:set_id, :year, :roads, :metric, :scope, :value, :carried_from, :seed, :counts, CAST(:since AS date))
