-- `daoan import osm --replace`: remove the road network (whatever its source) and the facilities an
-- earlier OSM import loaded, in the import's transaction. Facilities first, so that deleting their
-- segments does not have to null their segment_id; restrictions before the segments they cascade from.
DELETE FROM cameras WHERE source = :source;
DELETE FROM enforcement_stations WHERE source = :source;
DELETE FROM service_areas WHERE source = :source;
DELETE FROM toll_stations WHERE source = :source;
DELETE FROM turn_restrictions;
DELETE FROM road_segments;
DELETE FROM road_nodes;
