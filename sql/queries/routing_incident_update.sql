-- Replace an incident's editable fields (the caller merged the stored values with the changes under
-- the row lock) and count the change in its version.
UPDATE incidents SET kind = :kind, effect = :effect, speed_cap_kmh = :speed_cap_kmh, weather = :weather,
       direction = :direction,
       direction_label = :direction_label, route_code = :route_code, from_stake_m = :from_stake_m,
       to_stake_m = :to_stake_m, toll_station_id = :toll_station_id, description = :description,
       starts_at = CAST(:starts_at AS timestamptz), ends_at = CAST(:ends_at AS timestamptz),
       updated_by = :who, updated_at = now(), version = version + 1,
       geom = ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326)
WHERE id = :id
RETURNING version
