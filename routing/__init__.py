"""Routing and diversion: a numba ALT router over road_segments with live overlays for incidents,
fog and ice; routes with Chinese and English directions, diversion plans, isochrones, matrices.

Modules, one concern each: graph (CSR arrays, turn restrictions), kernels (compiled searches),
landmarks (ALT bounds), search (point-to-point), snap, overlay (live costs), service (per-process
state kept current), routes and directions (the Route shape), text (zh-CN / en phrases), incidents,
weather, ramps (toll-station entries), diversion, reach (isochrones, matrices), local (CLI), http.
"""
