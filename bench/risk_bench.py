"""Risk bench on the province demo: fitting the risk model (issue 15: hour band, weather class,
curvature, grade, altitude, zones) on its synthetic accidents and weather history, and the live scores
of every segment for one hour (target ≤ 2 s), cold (the first call reads the segments) and warm.

Run: `nice -n 10 python -m bench.risk_bench [--db daoan_risk_province] [--load] [--write-results]`.
The database is created and migrated when missing (scratch_settings); `--load` loads the province demo
into it first (it must hold the demo's accidents and weather history). Fog readings are posted at a
tenth of the stations for the scored hour and deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from bench.common import scratch_settings, write_section
from gis.db import create_db_engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="daoan_risk_province")
    parser.add_argument("--load", action="store_true", help="Load the province demo into the database first.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    from analysis import risk, risk_live
    from analysis import risk_terms as rt
    from analysis.records import Scope
    from layers.demo import load_demo
    from layers.demo.accidents import PERIOD_START, PERIOD_YEARS

    settings = scratch_settings(args.db)
    engine = create_db_engine(settings)
    load_start = os.getloadavg()[0]
    lines = []
    if args.load:
        t = time.perf_counter()
        counts = load_demo(engine, settings, size="province", seed=2017)
        took = time.perf_counter() - t
        print(f"demo loaded in {took:.1f} s", flush=True)
        lines.append(
            f"Province demo loaded in {took:.0f} s: {counts['road_segments']:,} segments, "
            f"{counts['accidents']:,} accidents, {counts['weather_history']:,} station-days of weather history."
        )
    scope = Scope(PERIOD_START, PERIOD_START.replace(year=PERIOD_START.year + PERIOD_YEARS))
    t = time.perf_counter()
    model = risk.fit(engine, scope)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    risk.store(engine, model)
    store_s = time.perf_counter() - t
    print(f"fit {fit_s:.1f} s ({model.cells:,} cells), store {store_s:.1f} s", flush=True)
    at = datetime(2026, 1, 12, 7, 30, tzinfo=rt.BEIJING)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM weather_observations WHERE created_by = 'risk bench'"))
        stations = conn.execute(sa.text("SELECT id FROM weather_stations WHERE status = 'active' ORDER BY id")).all()
        conn.execute(
            sa.text(
                "INSERT INTO weather_observations (station_id, observed_at, visibility_m, created_by) "
                "VALUES (:s, :t, 300, 'risk bench')"
            ),
            [{"s": s.id, "t": at - timedelta(minutes=20)} for s in stations[::10]],
        )
    risk_live._cache.clear()
    t = time.perf_counter()
    scores = risk_live.scores(engine, at)
    cold = time.perf_counter() - t
    warm = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        scores = risk_live.scores(engine, at)
        warm.append(time.perf_counter() - t)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM weather_observations WHERE created_by = 'risk bench'"))
    foggy = int((scores.weather == rt.WEATHER_CLASSES.index("fog")).sum())
    print(f"scores: cold {cold:.2f} s, warm {[round(w, 3) for w in warm]}", flush=True)
    lines += [
        f"Model: {model.accidents:,} accidents {scope.start:%Y-%m-%d}–{scope.end:%Y-%m-%d} on {model.units:,} segments, "
        f"{model.cells:,} cells, {len(model.names)} terms.",
        "",
        "| step | time | target |",
        "|---|---|---|",
        f"| fit (Poisson, read + cells + GLM) | {fit_s:.1f} s | |",
        f"| store (model + {model.units:,} risk_segments rows) | {store_s:.1f} s | |",
        f"| live scores, every segment ({len(scores):,}; {foggy:,} under posted fog), first call | {cold:.2f} s | ≤ 2 s |",
        f"| live scores, next calls (median of {args.repeat}) | {statistics.median(warm):.3f} s | ≤ 2 s |",
        "",
        f"Relative risk at {at:%Y-%m-%d %H:%M} (+08:00): median {np.nanmedian(scores.relative):.2f}, "
        f"99th percentile {np.nanpercentile(scores.relative, 99):.2f}. Load average (1 min): "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (other helpers' work on the machine).",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write_results:
        write_section("Risk", body, "nice -n 10 python -m bench.risk_bench --write-results")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
