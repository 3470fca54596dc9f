"""Black spots from the network kernel density (NKDE) of the accidents (the engine: analysis/nkde.py).

The accidents of the scope are events on the road segments (undirected: both carriageways count),
weighted by severity (the criteria file's weights); the density is computed on lixels (defaults:
quartic kernel, 300 m bandwidth, 20 m lixels, the simple method). Lixels on routes with stakes are
taken best first; each becomes a black spot of one bandwidth of road centred on it unless one already
taken lies within a bandwidth on the same route, or no accident of the scope lies on that stretch of
the route (its density then comes across a junction from accidents on other roads, often unstaked
streets, and a 事故多发点 with no accident reads as an error). The score is the density in weighted accidents per km.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.blackspot_criteria import criteria
from analysis.records import AccidentArrays, Scope
from analysis.spots import Spot
from gis.errors import DaoanError
from gis.sqlfiles import load_sql

DEFAULTS = {"variant": "simple", "kernel": "quartic", "bandwidth": 300.0, "lixel": 20.0}
CANDIDATES = 20_000  # lixels considered, densest first


class NotAvailable(DaoanError):
    status = 501
    title = "Not Implemented"


def engine_module() -> Any:
    """analysis.nkde, or 501 while the NKDE engine is not installed."""
    try:
        nkde = importlib.import_module("analysis.nkde")
    except ImportError:
        raise NotAvailable(
            "method=nkde needs the NKDE engine (analysis/nkde.py), which is not installed", parameter="method"
        ) from None
    return nkde


def nkde_spots(
    conn: Connection, acc: AccidentArrays, scope: Scope, *, variant: str = "simple", kernel: str = "quartic",
    bandwidth: float = 300.0, lixel: float = 20.0,
) -> tuple[list[Spot], dict[str, object]]:  # fmt: skip
    """The NKDE black spots of `scope` (unranked) and the parameters used."""
    nkde = engine_module()
    params: dict[str, object] = {"variant": variant, "kernel": kernel, "bandwidth_m": bandwidth, "lixel_m": lixel}
    bind = scope.bind()
    seg = conn.execute(sa.text(load_sql("queries/blackspots_nkde_network.sql")), bind).all()
    ev = conn.execute(sa.text(load_sql("queries/blackspots_nkde_events.sql")), bind).all()
    if not seg or not ev:
        return [], params
    ids = np.array([r[0] for r in seg], dtype=np.int64)
    nodes, inverse = np.unique(np.array([[r[1], r[2]] for r in seg], dtype=np.int64), return_inverse=True)
    ends = inverse.reshape(-1, 2)
    length = np.array([r[3] for r in seg], dtype=float)
    net = nkde.Network.build(ids, ends[:, 0], ends[:, 1], length, n_nodes=len(nodes))
    index = {int(i): k for k, i in enumerate(ids)}
    keep = [k for k, r in enumerate(ev) if int(r[0]) in index]
    w = criteria().weights
    events = nkde.Events.build(
        net,
        [index[int(ev[k][0])] for k in keep],
        [min(max(float(ev[k][1]), 0.0), length[index[int(ev[k][0])]]) for k in keep],
        [w[ev[k][2]] for k in keep],
    )
    res = nkde.density(net, events, method=variant, kernel=kernel, bandwidth=bandwidth, lixel=lixel)
    route = np.array([r[4] for r in seg], dtype=object)
    start = np.array([np.nan if r[5] is None else r[5] for r in seg], dtype=float)
    end = np.array([np.nan if r[6] is None else r[6] for r in seg], dtype=float)
    road_class = np.array([r[7] for r in seg], dtype=object)
    county = np.array([r[8] for r in seg], dtype=object)
    e = res.edge
    stake = start[e] + (end[e] - start[e]) * res.centre_m / length[e]
    usable = np.flatnonzero(np.isfinite(stake) & (route[e] != None))  # noqa: E711 - numpy elementwise
    usable = usable[np.argsort(-res.density[usable], kind="stable")][:CANDIDATES]
    taken: dict[str, list[float]] = {}
    spots: list[Spot] = []
    half = bandwidth / 2
    for i in usable:
        code, s = str(route[e[i]]), float(stake[i])
        if any(abs(s - t) < bandwidth for t in taken.get(code, [])):
            continue
        lo, hi = max(0.0, s - half), s + half
        on = (acc.route == code) & (acc.stake_m >= lo) & (acc.stake_m < hi)
        total = int(on.sum())
        if total == 0:  # density spilt over a junction from another road's accidents: no 事故多发点 here
            continue
        taken.setdefault(code, []).append(s)
        fatal, injury = int((acc.severity[on] == 0).sum()), int((acc.severity[on] == 1).sum())
        spots.append(
            Spot("nkde", code, "both", lo, hi, float(res.density[i]) * 1000.0, total, fatal, injury,
                 total - fatal - injury, int(acc.deaths[on].sum()), int(acc.injuries[on].sum()),
                 road_class=road_class[e[i]], county_adcode=county[e[i]])
        )  # fmt: skip
    params["events"] = events.size
    params["lixels_with_density"] = len(res)
    return spots, params
