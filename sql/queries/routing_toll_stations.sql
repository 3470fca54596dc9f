-- Toll stations with their position (entrance closures and diversion plans).
SELECT t.id, t.name, t.segment_id, t.route_code, t.stake_m, t.entrances, t.exits,
       ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat
FROM toll_stations t
