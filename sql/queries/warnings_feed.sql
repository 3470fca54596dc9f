-- The warnings feed: those in force at :at (or, with :start/:end, in force at some time of that
-- interval; an open end is NULL), in :bbox when given (minx, miny, maxx, maxy), of :levels and
-- :reasons when given; most severe first, then newest.
SELECT w.id, w.reason, w.level, w.rule_id, w.hazard_zone_id, w.route_code, w.road_name, w.road_class,
       w.direction, w.direction_zh, w.direction_en, w.from_stake_m, w.to_stake_m, w.from_stake, w.to_stake,
       w.visibility_m, w.road_surface_temp_c, w.precipitation_mm, w.relative_risk, w.speed_cap_kmh,
       w.following_distance_m, w.measure, w.message_zh, w.message_en, w.signs, w.observation_ids,
       w.forecast_ids, w.weather_source,
       w.issued_at, w.updated_at, w.expires_at, w.superseded_by, ST_AsGeoJSON(w.geom, 7) AS geometry
FROM warnings w
WHERE (CASE WHEN CAST(:interval AS boolean)
            THEN (CAST(:end AS timestamptz) IS NULL OR w.issued_at < CAST(:end AS timestamptz))
                 AND (CAST(:start AS timestamptz) IS NULL OR w.expires_at > CAST(:start AS timestamptz))
            ELSE w.issued_at <= CAST(:at AS timestamptz) AND w.expires_at > CAST(:at AS timestamptz) END)
  AND (CAST(:minx AS double precision) IS NULL
       OR w.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:levels AS text[]) IS NULL OR w.level = ANY(CAST(:levels AS text[])))
  AND (CAST(:reasons AS text[]) IS NULL OR w.reason = ANY(CAST(:reasons AS text[])))
ORDER BY array_position(ARRAY['red', 'orange', 'yellow', 'blue'], w.level), w.issued_at DESC, w.id DESC
LIMIT :limit OFFSET :offset
