"""NKDE bench (issue 15): network kernel density of 100,000 accidents over the province network,
simple and discontinuous, defaults (quartic, 300 m, 20 m lixels), against the networkx reference
and spatstat.

The network is the database's road_segments (make bench: the province demo in daoan_bench; or
DAOAN_DATABASE_URL). The accidents are the `accidents` table's points when it exists and holds
at least --events rows, else synthetic (deterministic seed): 60 % spread over the network by
length, 40 % around 2,000 hot spots (normal, sd 80 m, along the hot spot's segment). They are
placed on segments, turned into lon/lat and snapped back (so the snapping is timed too).

The reference (analysis/nkde_reference.py) cannot hold the province (31 million lixel nodes in
networkx), so both engines run on the same sub-network, a box of --box-km around the busiest hot
spot with its accidents; the reference's time per accident is then scaled to all accidents (its
graph-building time, which grows with the network, is left out of the scaling: that favours the
reference). spatstat runs on the Montreal test subset (bench/nkde_spatstat.py) when Rscript is
installed.

    .venv/bin/python -m bench.nkde_bench [--events 100000] [--no-write] [--no-spatstat]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import nkde, nkde_db  # noqa: E402
from analysis import nkde_reference as reference  # noqa: E402
from bench.common import write_section  # noqa: E402
from gis.db import create_db_engine  # noqa: E402
from gis.settings import load_settings  # noqa: E402

SEED = 20261206


def synthetic(road: nkde_db.RoadNetwork, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(edge, offset) of n synthetic accidents."""
    ln = road.network.length
    p = ln / ln.sum()
    n_hot = int(n * 0.4)
    edge = rng.choice(ln.size, size=n - n_hot, p=p)
    offset = rng.random(edge.size) * ln[edge]
    spots = rng.choice(ln.size, size=2000, p=p)
    spot_at = rng.random(spots.size) * ln[spots]
    k = rng.integers(0, spots.size, n_hot)
    hot_edge = spots[k]
    hot_off = np.clip(spot_at[k] + rng.normal(0, 80.0, n_hot), 0, ln[hot_edge])
    return np.concatenate([edge, hot_edge]), np.concatenate([offset, hot_off])


def table_points(conn, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """lon/lat of the accidents table's first n points, when the table exists and has n rows."""
    if not conn.execute(sa.text("SELECT to_regclass('public.accidents') IS NOT NULL")).scalar():
        return None
    cols = {
        r[0]
        for r in conn.execute(
            sa.text("SELECT column_name FROM information_schema.columns WHERE table_name = 'accidents'")
        )
    }
    if "geom" not in cols:
        return None
    rows = conn.execute(
        sa.text("SELECT ST_X(geom), ST_Y(geom) FROM accidents WHERE geom IS NOT NULL ORDER BY id LIMIT :n"), {"n": n}
    ).all()
    if len(rows) < n:
        return None
    xy = np.array(rows, dtype=float)
    return xy[:, 0], xy[:, 1]


def sub_network(road: nkde_db.RoadNetwork, ev: nkde.Events, centre_edge: int, box_m: float):
    """The edges whose lines lie in a box of box_m around the centre edge's midpoint, and the events on them."""
    mid = shapely.line_interpolate_point(road.lines_m[centre_edge], 0.5, normalized=True)
    x, y = mid.x, mid.y
    box = shapely.box(x - box_m / 2, y - box_m / 2, x + box_m / 2, y + box_m / 2)
    keep = np.flatnonzero(shapely.within(road.lines_m, box))
    net = road.network
    nodes, idx = np.unique(np.concatenate([net.source[keep], net.target[keep]]), return_inverse=True)
    sub = nkde.Network.build(net.edge_ids[keep], idx[: keep.size], idx[keep.size :], net.length[keep], nodes.size)
    where = np.full(net.n_edges, -1)
    where[keep] = np.arange(keep.size)
    on = where[ev.edge] >= 0
    return sub, nkde.Events.build(sub, where[ev.edge[on]], ev.offset[on], ev.weight[on])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--box-km", type=float, default=25.0)
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing RESULTS.md")
    ap.add_argument("--no-spatstat", action="store_true")
    args = ap.parse_args()
    settings = load_settings()
    engine = create_db_engine(settings)
    dbname = engine.url.database
    t0 = time.perf_counter()
    with engine.connect() as conn:
        road = nkde_db.load_network(conn)
        real = table_points(conn, args.events)
    engine.dispose()
    t_load = time.perf_counter() - t0
    net = road.network
    if net.n_edges == 0:
        print(f"skipped: no road segments in {dbname}")
        return 0
    rng = np.random.default_rng(SEED)
    if real is None:
        edge, offset = synthetic(road, args.events, rng)
        pts = shapely.line_interpolate_point(road.lines[edge], offset / net.length[edge], normalized=True)
        lon, lat = shapely.get_x(pts), shapely.get_y(pts)
        source = f"{args.events:,} synthetic accidents (seed {SEED}: 60 % by length, 40 % around 2,000 hot spots)"
    else:
        lon, lat = real
        source = f"the first {args.events:,} rows of the accidents table"
    t0 = time.perf_counter()
    ev, kept = nkde_db.snap(road, lon, lat, max_distance=50.0)
    t_snap = time.perf_counter() - t0
    lix = nkde.lixelize(net)
    nkde.density(net, nkde.Events.build(net, ev.edge[:10], ev.offset[:10]), "discontinuous")  # compiled / cache load
    nkde.density(net, nkde.Events.build(net, ev.edge[:10], ev.offset[:10]), "simple")
    times, results = {}, {}
    for method in nkde.METHODS:
        t0 = time.perf_counter()
        results[method] = nkde.density(net, ev, method=method)
        times[method] = time.perf_counter() - t0
    # the reference against the engine on one box
    counts = np.bincount(ev.edge, minlength=net.n_edges)
    sub, sub_ev = sub_network(road, ev, int(np.argmax(counts)), args.box_km * 1000)
    ref_rows = []
    for method in nkde.METHODS:
        t0 = time.perf_counter()
        fast = nkde.density(sub, sub_ev, method=method)
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        prepared = reference.prepare(sub, sub_ev, nkde.DEFAULT_LIXEL)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        slow = reference.density(sub, sub_ev, method=method, prepared=prepared)
        t_walk = time.perf_counter() - t0
        t_ref = t_build + t_walk
        same = np.array_equal(fast.lixel_index, slow.lixel_index)
        diff = float(np.abs(fast.density - slow.density).max()) if same and len(fast) else float("nan")
        per_event = t_walk / max(sub_ev.size, 1)
        extrapolated = per_event * ev.size
        ref_rows.append(
            f"| {method} | {sub.n_edges:,} edges, {sub_ev.size:,} accidents | {t_fast * 1000:.1f} ms | {t_ref:.1f} s "
            f"(graph {t_build:.1f} s) | {t_ref / t_fast:,.0f}× | {'same lixels' if same else 'LIXELS DIFFER'}, "
            f"max diff {diff:.1e} | {extrapolated:,.0f} s → {extrapolated / times[method]:,.0f}× |"
        )
    spatstat = ""
    if not args.no_spatstat:
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "nkde_spatstat.py")], capture_output=True, text=True, cwd=ROOT
        )
        spatstat = out.stdout.strip() or out.stderr.strip()[-500:]
    touched = {m: len(r) for m, r in results.items()}
    body = f"""
Network: road_segments of `{dbname}`: {net.n_edges:,} segments, {net.length.sum() / 1000:,.0f} km,
{lix.count:,} lixels of ≤ 20 m. Accidents: {source}; {int(kept.sum()):,} snapped within 50 m.
Defaults: quartic kernel, bandwidth 300 m, lixel 20 m. Compiled engine (numba, one thread).

| step | seconds | note |
|---|---|---|
| load network (SQL + WKB + projection) | {t_load:.1f} | once per request area |
| snap accidents (STRtree nearest) | {t_snap:.1f} | |
| NKDE simple | **{times["simple"]:.2f}** | target ≤ 10 s; {touched["simple"]:,} lixels within 300 m of an accident |
| NKDE discontinuous (equal split) | **{times["discontinuous"]:.2f}** | target ≤ 30 s; {touched["discontinuous"]:,} lixels |

Against the networkx reference on the same input (a {args.box_km:g} km box around the busiest
segment), and the reference's time per accident (without its graph building) scaled to all
{ev.size:,} accidents against the engine's full run (target ≥ 10×):

| method | input | engine | reference | speed-up | densities | reference scaled to all |
|---|---|---|---|---|---|---|
{chr(10).join(ref_rows)}

spatstat.linnet (`densityEqualSplit`, continuous=FALSE; `bench/nkde_spatstat.py`, Montreal test
subset, weights 1 + victims, bandwidth 300 m, epsilon 1e-30):

```
{spatstat or "not run (--no-spatstat)"}
```
"""
    cmd = "python -m bench.nkde_bench" + (f" --events {args.events}" if args.events != 100_000 else "")
    if args.no_write:
        print(body)
    else:
        write_section("NKDE", body, cmd)
        print(body)
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
