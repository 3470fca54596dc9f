-- Rasters (issue 15): imported grids (a DEM, fog frequency, traffic volume, …) kept as files under
-- var/rasters/, one current raster per kind, and what Daoan derives from them per road segment.

CREATE TABLE rasters (
    id            serial PRIMARY KEY,
    kind          text NOT NULL UNIQUE CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    file          text NOT NULL,              -- the stored GeoTIFF, relative to var/rasters/
    crs           text NOT NULL,              -- 'EPSG:4326', or the WKT of a CRS without a code
    width         integer NOT NULL CHECK (width > 0),
    height        integer NOT NULL CHECK (height > 0),
    resolution_x  double precision NOT NULL CHECK (resolution_x > 0),  -- in the CRS's units
    resolution_y  double precision NOT NULL CHECK (resolution_y > 0),
    resolution_m  double precision NOT NULL CHECK (resolution_m > 0),  -- about, on the ground
    nodata        double precision,
    checksum      text NOT NULL,              -- sha256 of the file as imported
    source_file   text NOT NULL,
    imported_by   text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    extent        geometry(Polygon, 4326) NOT NULL
);

-- Altitude and grade of each road segment from the DEM, sampled along the line. Tunnels and bridges
-- keep a row with `structure` set and no values (the DEM is the ground, not their deck or bore).
-- A layer: the geometry is the segment's, copied when the values are computed.
CREATE TABLE segment_terrain (
    id               bigint PRIMARY KEY REFERENCES road_segments (id) ON DELETE CASCADE,
    road_class       text NOT NULL,
    route_code       text,
    structure        text CHECK (structure IN ('bridge', 'tunnel')),
    altitude_min_m   double precision,
    altitude_mean_m  double precision,
    altitude_max_m   double precision,
    grade_pct        double precision,  -- (end − start altitude) / length, in the line's direction
    max_grade_pct    double precision,  -- steepest between consecutive samples, either way
    climb_m          double precision,
    descent_m        double precision,
    samples          integer NOT NULL,
    geom             geometry(LineString, 4326) NOT NULL,
    geom_3857        geometry(LineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX segment_terrain_geom_idx ON segment_terrain USING gist (geom);
CREATE INDEX segment_terrain_geom_3857_idx ON segment_terrain USING gist (geom_3857);
SELECT daoan_track_layer('segment_terrain');

-- Any other raster's value per segment (mean and max of the samples along the line), for the risk
-- model and siting to join on (segment_id, kind).
CREATE TABLE segment_raster_values (
    segment_id  bigint NOT NULL REFERENCES road_segments (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    mean        double precision,
    max         double precision,
    PRIMARY KEY (segment_id, kind)
);
CREATE INDEX segment_raster_values_kind_idx ON segment_raster_values (kind);
