"""Readying routing before requests come: the graph built (or mapped from var/routing/) and the
compiled kernels loaded by one route of each answer kind, so that the first request is fast.

`daoan serve` runs it once before granian starts (which builds the cache and compiles the numba
kernels into their on-disk cache); each worker runs it again when its app is created (mapping
the cache, loading the compiled kernels), bounded in time: past the bound the worker serves
anyway, and a route request arriving while the graph is still building gets 503 + Retry-After.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

from routing.routes import RouteRequest, plan_route
from routing.service import Router, RoutingBuilding

log = logging.getLogger(__name__)

WORKER_WARM_S = 120.0  # longest a worker waits for its warm-up before it takes requests


def warm(router: Router, *, budget_s: float = 3600.0) -> float:
    """Build or map the graph and answer one route (GeoJSON, polyline6, English): seconds taken."""
    t0 = time.perf_counter()
    while True:
        try:
            state, ov, _ = router.for_request()
            break
        except RoutingBuilding:  # another thread builds it: wait on
            if time.perf_counter() - t0 > budget_s:
                raise
    g, preferred = state.graph, state.preferred
    main = preferred.nonzero()[0]
    if len(main) >= 2:
        points = []
        for seg in (int(main[0]), int(main[len(main) // 2])):
            lon, lat = g.coords(seg).mean(axis=0)
            points.append((float(lon), float(lat)))
        radius = router.settings.routing_snap_radius_m
        for geometry, lang in (("geojson", "zh-CN"), ("polyline6", "en")):
            try:
                plan_route(state, ov, None, RouteRequest(points=points, geometry=geometry, lang=lang), radius_m=radius)
            except Exception as exc:  # e.g. no route between the two picks: kernels ran anyway
                log.debug("warm-up route: %s", exc)
    return time.perf_counter() - t0


def warm_in_worker(router: Router, *, budget_s: float = WORKER_WARM_S) -> bool:
    """warm() in a thread, waited for at most `budget_s`: True when it finished in time."""
    done = threading.Event()

    def run() -> None:
        try:
            took = warm(router, budget_s=budget_s)
            log.info("routing warmed in %.2fs", took)
        except Exception:
            log.exception("routing warm-up failed; requests will build what they need")
        finally:
            done.set()

    threading.Thread(target=run, name="routing-warm", daemon=True).start()
    finished = done.wait(budget_s)
    freeze_heap()
    return finished


def freeze_heap() -> None:
    """Move every object alive now (the app, the graph's Python side, compiled kernels: about 240,000
    tracked objects) out of the garbage collector's reach. A full collection otherwise walks them
    all, about 100 ms, every few hundred requests (the standard remedy: Python's gc.freeze docs)."""
    gc.collect()
    gc.freeze()
