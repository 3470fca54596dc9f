-- One stored black spot (analysis/blackspots.py store); its geometry is GeoJSON in WGS84.
INSERT INTO black_spots (method, period_start, period_end, rank, score, kind, route_code, direction,
                         from_stake_m, to_stake_m, from_stake, to_stake, road_class, accidents, fatal, injury,
                         property, deaths, injuries, predicted, expected, criteria, county_adcode, geom)
VALUES (:method, :start, :end, :rank, :score, :kind, :route_code, :direction, :from_m, :to_m,
        daoan_format_stake(:from_m), daoan_format_stake(:to_m), :road_class, :accidents, :fatal, :injury,
        :property, :deaths, :injuries, :predicted, :expected, :criteria, :county,
        ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326)))
