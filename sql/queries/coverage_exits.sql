-- Stakes of the exits on measured routes: segment ends at an interchange node, or where a road of
-- an exit class with another route code joins. Interval speed sections may not span an exit.
WITH ends AS (
    SELECT s.route_code, s.road_class, s.source_node AS node, s.start_stake_m AS stake_m
    FROM road_segments s
    WHERE s.road_class = ANY (:classes) AND s.route_code IS NOT NULL AND s.start_stake_m IS NOT NULL
    UNION
    SELECT s.route_code, s.road_class, s.target_node, s.end_stake_m
    FROM road_segments s
    WHERE s.road_class = ANY (:classes) AND s.route_code IS NOT NULL AND s.end_stake_m IS NOT NULL
)
SELECT DISTINCT e.route_code, e.road_class, e.stake_m
FROM ends e
WHERE e.node IS NOT NULL AND (
       EXISTS (SELECT 1 FROM road_nodes n WHERE n.id = e.node AND n.interchange)
    OR EXISTS (SELECT 1 FROM road_segments t WHERE t.source_node = e.node AND t.road_class = ANY (:exit_classes)
                   AND t.route_code IS DISTINCT FROM e.route_code)
    OR EXISTS (SELECT 1 FROM road_segments t WHERE t.target_node = e.node AND t.road_class = ANY (:exit_classes)
                   AND t.route_code IS DISTINCT FROM e.route_code))
