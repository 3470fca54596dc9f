-- One target of a coverage standard set.
INSERT INTO coverage_standards (set_id, year, roads, metric, scope, value, carried_from, seed)
VALUES (:set_id, :year, :roads, :metric, :scope, :value, :carried_from, :seed)
