-- The current model's segments (%(model)s) with their group and weather station (-1 none), when the road
-- network has not changed since the model was stored (its class is its group's). Read by COPY (binary,
-- psycopg2 binding): no NULLs.
SELECT segment_id, 0::int2 AS class, grp, coalesce(station_id, -1) AS station_id
FROM risk_segments
WHERE model_id = %(model)s
