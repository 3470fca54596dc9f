-- Names and interchange flags of imported road nodes (the demo's interchange register, by node id).
UPDATE road_nodes AS n
SET name = coalesce(v.name, n.name),
    interchange = n.interchange OR v.interchange
FROM unnest(CAST(:ids AS bigint[]), CAST(:names AS text[]), CAST(:interchange AS boolean[])) AS v(id, name, interchange)
WHERE n.id = v.id
