"""Coverage analysis for planners: the plan's targets by year, gaps by area, minimal site suggestions.

Public face: `planning.service` (report, gaps, suggestions as plain dicts) and `planning.standards`
(the targets, loaded from planning/standards/*.toml into `coverage_standards`). Nothing here imports
Flask except `planning.http`.

How things are measured (the parameters live in the standards file):
- Roads are measured along routes by stake. Expressways are analysed per carriageway for camera
  spacing (a oneway segment whose stakes decrease is the 'down' carriageway); every other measure
  counts each stretch of a route once. Segments without stakes count in road km only.
- Facilities count when active (and, with `as_of`, installed by that year). Stations referenced to a
  ramp or side road count for the nearest measured road within `station_snap_m`.
- Distances for weather monitoring and siting are along the same route (stake difference).
"""
