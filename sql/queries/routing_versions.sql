-- Data versions the routing graph and its live overlay depend on (one cheap query per request).
SELECT layer, version FROM layer_versions
WHERE layer IN ('road_segments', 'road_nodes', 'turn_restrictions', 'incidents', 'weather_observations',
                'hazard_zones', 'toll_stations', 'weather_stations')
