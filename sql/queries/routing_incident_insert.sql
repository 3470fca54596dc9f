-- A new incident; the caller has validated every value.
INSERT INTO incidents (kind, effect, speed_cap_kmh, weather, direction, direction_label, route_code, from_stake_m,
                       to_stake_m, toll_station_id, description, starts_at, ends_at, created_by, updated_by, geom)
VALUES (:kind, :effect, :speed_cap_kmh, :weather, :direction, :direction_label, :route_code, :from_stake_m, :to_stake_m,
        :toll_station_id, :description, coalesce(CAST(:starts_at AS timestamptz), now()),
        CAST(:ends_at AS timestamptz), :who, :who, ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326))
RETURNING id
