-- Every road segment with its class and, where the current model (:model) has one, its group and
-- weather station (segments added since the fit get neither: their class alone scores them).
SELECT s.id, s.road_class, coalesce(r.grp, -1) AS grp, coalesce(r.station_id, -1) AS station_id
FROM road_segments s
LEFT JOIN risk_segments r ON r.segment_id = s.id AND r.model_id = :model
ORDER BY s.id
