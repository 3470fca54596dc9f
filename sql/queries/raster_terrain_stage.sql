-- A staging table for the segments' DEM values of this transaction (dropped at commit).
CREATE TEMP TABLE raster_terrain_stage (
    id               bigint PRIMARY KEY,
    structure        text,
    altitude_min_m   double precision,
    altitude_mean_m  double precision,
    altitude_max_m   double precision,
    grade_pct        double precision,
    max_grade_pct    double precision,
    climb_m          double precision,
    descent_m        double precision,
    samples          integer NOT NULL
) ON COMMIT DROP
