"""Routing and diversion: a numba ALT router over road_segments with live overlays for incidents,
fog and ice; routes with Chinese and English directions, diversion plans, isochrones, matrices.

Modules, one concern each: graph (CSR arrays, turn restrictions), kernels (compiled searches),
landmarks (ALT bounds), search (point-to-point), snap, overlay (live costs), service (per-process
state kept current), routes and directions (the Route shape), text (zh-CN / en phrases), incidents,
weather, ramps (toll-station entries), diversion, reach (isochrones, matrices), local (CLI), http.
"""

import os as _os

from gis.settings import PROJECT_ROOT as _ROOT

# numba's compiled kernels live under var/ (DAOAN_VAR), not beside the sources: a server that dropped
# root (gis/privileges.py) can read and extend them there. Set before any kernel module imports numba.
_os.environ.setdefault("NUMBA_CACHE_DIR", _os.path.join(_os.environ.get("DAOAN_VAR") or str(_ROOT / "var"), "numba"))
