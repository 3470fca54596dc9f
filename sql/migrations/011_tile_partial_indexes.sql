-- Partial GiST indexes for low-zoom road tiles: at z5-z11 only the major classes are drawn, and a
-- tile there covers tens of thousands of township and urban segments that the query would
-- otherwise fetch from the full index only to discard them.
CREATE INDEX road_segments_expressway_geom_3857_idx ON road_segments USING gist (geom_3857)
    WHERE road_class = 'expressway';
CREATE INDEX road_segments_major_geom_3857_idx ON road_segments USING gist (geom_3857)
    WHERE road_class IN ('expressway', 'national', 'provincial', 'county');
