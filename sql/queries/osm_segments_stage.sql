-- Staging table for the segments of an OSM import: they are COPYed here and inserted once into
-- road_segments with their county, rather than inserted and then updated (a second row version each).
CREATE TEMP TABLE osm_segment_stage (
    id                 bigint NOT NULL,
    road_class         text NOT NULL,
    route_code         text,
    name               text,
    oneway             boolean NOT NULL,
    lanes              smallint,
    maxspeed_kmh       smallint,
    default_speed_kmh  smallint NOT NULL,
    length_m           double precision NOT NULL,
    bridge             boolean NOT NULL,
    tunnel             boolean NOT NULL,
    source_node        bigint NOT NULL,
    target_node        bigint NOT NULL,
    source             text NOT NULL,
    source_id          text NOT NULL,
    geom               geometry(LineString, 4326) NOT NULL
) ON COMMIT DROP
