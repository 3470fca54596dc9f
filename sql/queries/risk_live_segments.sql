-- Every road segment with its class (1-based in %(classes)s, 0 for another) and, where the current
-- model (%(model)s) has one, its group and weather station (-1: segments added since the fit get
-- neither; their class alone scores them). Read by COPY (binary, psycopg2 binding): no NULLs.
SELECT s.id, coalesce(array_position(CAST(%(classes)s AS text[]), s.road_class), 0)::int2 AS class,
       coalesce(r.grp, -1) AS grp, coalesce(r.station_id, -1) AS station_id
FROM road_segments s
LEFT JOIN risk_segments r ON r.segment_id = s.id AND r.model_id = %(model)s
