-- Roads imported from a transport department's road database (`daoan import roads`): village roads
-- (村道) get their own class, and each segment keeps the technical grade (技术等级: 高速公路, 一级 …
-- 四级, 等外) and the surface (路面类型) the file gives; both are NULL for OSM and the demo.
ALTER TABLE road_segments DROP CONSTRAINT road_segments_road_class_check;
ALTER TABLE road_segments ADD CONSTRAINT road_segments_road_class_check CHECK (road_class IN
    ('expressway', 'national', 'provincial', 'county', 'township', 'village', 'urban', 'link'));
ALTER TABLE road_segments
    ADD COLUMN technical_grade text,
    ADD COLUMN surface text;
