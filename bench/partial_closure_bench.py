"""Routes that end on the open part of a partly closed arc (issue 13, stake-precise closures), timed on a
loaded network against the same routes with nothing closed.

    python -m bench.partial_closure_bench [--db daoan_bench] [--routes 40] [--cache DIR]

Read-only: the database is neither migrated nor written; the graph comes from the routing cache
(`--cache`, default the settings' var/routing) when one holds this network, else it is built in memory.
Each route closes the middle 40 % of a random G4 carriageway arc and ends 10 % along it (before the
closed part): such a route is searched with bidirectional ALT from the open part (routing/partial.py),
the others on the CCH; the two costs must agree.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.common import settings_for
from gis.db import create_db_engine
from routing import store
from routing.search import Endpoint, Searcher
from routing.service import build_state, read_versions


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="daoan_bench", help="Database holding a network with G4 (not written).")
    ap.add_argument("--routes", type=int, default=40)
    ap.add_argument("--cache", type=Path, default=None, help="Routing cache directory (default var/routing).")
    args = ap.parse_args(argv)
    settings = settings_for(args.db)
    engine = create_db_engine(settings)
    cache = args.cache or settings.var_dir / "routing"
    with engine.connect() as conn:
        versions = read_versions(conn)
        cached = store.load(cache, store.network_id(conn, versions)) if cache.is_dir() else None
        if cached is not None:
            graph, lm, _ = cached
            searcher = Searcher(graph, lm, *store.load_cch(cache, store.network_id(conn, versions)))
            main_net = cached[2]
        else:
            state = build_state(conn, versions=versions)
            graph, searcher, main_net = state.graph, state.searcher, state.preferred
        g4 = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM road_segments WHERE route_code = 'G4' AND end_stake_m > start_stake_m AND length_m > 1500"
        ))]  # fmt: skip
    segs = graph.segment_index(g4)
    segs = segs[segs >= 0]
    rng = np.random.default_rng(13)
    open_part, nothing_closed = [], []
    base_cost = graph.base_cost.copy()
    base_cost.flags.writeable = False
    starts = np.flatnonzero(main_net)
    for k in range(args.routes + 3):
        s = int(rng.choice(segs))
        cost = graph.base_cost.copy()
        cost[2 * s] = np.inf
        cost.flags.writeable = False
        parts = {2 * s: (0.3, 0.7, float(graph.base_cost[2 * s]))}
        start, end = Endpoint(int(rng.choice(starts)), 0.5), Endpoint(s, 0.1)
        t0 = time.perf_counter()
        p = searcher.route(start, end, cost, parts)
        t1 = time.perf_counter()
        q = searcher.route(start, end, base_cost)
        t2 = time.perf_counter()
        if p is not None and q is not None and abs(p.cost_s - q.cost_s) > 1e-6 * max(1.0, q.cost_s):
            raise SystemExit(f"costs differ: {p.cost_s} with the open part, {q.cost_s} with nothing closed")
        if k >= 3:  # the first ones compile and warm
            open_part.append((t1 - t0) * 1000)
            nothing_closed.append((t2 - t1) * 1000)
    print(
        f"{graph.n_segments:,} segments; {args.routes} routes to the open part of a partly closed G4 arc (ALT): "
        f"p50 {statistics.median(open_part):.1f} ms, max {max(open_part):.1f} ms; the same routes with nothing "
        f"closed (CCH): p50 {statistics.median(nothing_closed):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
