-- `daoan import osm --replace`: remove the road network (whatever its source), restrictions before
-- the segments they cascade from. The facilities an earlier OSM import loaded stay (their segment_id
-- nulled): this import upserts them on their OSM ids and deletes those the file no longer holds.
DELETE FROM turn_restrictions;
DELETE FROM road_segments;
DELETE FROM road_nodes;
