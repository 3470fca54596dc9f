"""Analysis benchmark on the province demo: importing 100,000 accident rows (CSV with the police
systems' Chinese headers) and ranking black spots province-wide by the window and EB methods (and NKDE
when its engine is installed).

Run: `nice -n 10 python -m bench.analysis_bench [--db daoan_rbench_province] [--write-results]`.
The database is migrated first (scratch_settings); the imported rows (source 'bench') are deleted at
the end. Targets (issue 15): import ≤ 30 s, window and EB rankings ≤ 5 s.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from bench.common import scratch_settings, write_section
from gis.db import create_db_engine

ROWS = 100_000
HEADER = [
    "事故编号",
    "事故发生时间",
    "经度",
    "纬度",
    "死亡人数",
    "受伤人数",
    "事故形态",
    "天气",
    "车辆类型",
    "数据来源",
]


def _points(engine: sa.Engine, n: int, seed: int = 15) -> np.ndarray:
    """`n` points on numbered roads of the network (segments drawn by length), lon/lat."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, length_m FROM road_segments WHERE route_code IS NOT NULL AND length_m > 0 ORDER BY id")
        ).all()
    ids = np.array([r[0] for r in rows])
    length = np.array([r[1] for r in rows], dtype=float)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(ids, n, p=length / length.sum())
    frac = rng.random(n)
    with engine.connect() as conn:
        pts = conn.execute(
            sa.text(
                "SELECT ST_X(p), ST_Y(p) FROM unnest(CAST(:ids AS bigint[]), CAST(:f AS float8[])) WITH ORDINALITY "
                "AS u(id, f, k) JOIN road_segments s ON s.id = u.id "
                "CROSS JOIN LATERAL ST_LineInterpolatePoint(s.geom, u.f) AS p ORDER BY u.k"
            ),
            {"ids": chosen.tolist(), "f": frac.tolist()},
        ).all()
    return np.array(pts, dtype=float)


def write_csv(path: Path, xy: np.ndarray, seed: int = 15) -> None:
    rng = np.random.default_rng(seed)
    kinds = ["追尾", "侧面相撞", "刮擦", "正面相撞", "碰撞行人"]
    weather = ["晴", "阴", "雨", "雾"]
    vehicles = ["小型客车", "重型货车", "大型客车", "摩托车"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i, (x, y) in enumerate(xy):
            day = int(rng.integers(0, 1095))
            t = f"{2023 + day // 365}/{1 + (day % 365) // 31}/{1 + (day % 31) % 28} {rng.integers(0, 24)}:{rng.integers(0, 60):02d}"
            fatal = rng.random() < 0.06
            w.writerow(
                [f"B{i:07d}", t, f"{x:.6f}", f"{y:.6f}", int(fatal), int(rng.poisson(0.6)),
                 kinds[int(rng.integers(5))], weather[int(rng.integers(4))], vehicles[int(rng.integers(4))], "bench"]
            )  # fmt: skip


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="daoan_rbench_province")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--reimport", action="store_true", help="Also time importing the same file again (upsert).")
    args = parser.parse_args()
    from analysis.blackspots import find, make_scope
    from layers.ingest.facilities import import_facilities

    settings = scratch_settings(args.db)
    engine = create_db_engine(settings)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM accidents WHERE source = 'bench'"))
        segments = conn.execute(sa.text("SELECT count(*) FROM road_segments")).scalar_one()
    lines = [
        f"Province network: {segments:,} segments; {args.rows:,} accident rows imported (CSV, Chinese headers).",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accidents.csv"
        t = time.perf_counter()
        write_csv(path, _points(engine, args.rows))
        print(f"CSV written in {time.perf_counter() - t:.1f} s", flush=True)
        first, report = timed(lambda: import_facilities(engine, settings, "accidents", path, imported_by="bench"), 1)
        print(report.summary().splitlines()[0], f"{first[0]:.1f} s", flush=True)
        lines += [
            "| step | time | target |",
            "|---|---|---|",
            f"| import {args.rows:,} rows (new: {report.rows_inserted:,} inserted) | {first[0]:.1f} s | ≤ 30 s |",
        ]
        if args.reimport:
            again, report2 = timed(
                lambda: import_facilities(engine, settings, "accidents", path, imported_by="bench"), 1
            )
            print(report2.summary().splitlines()[0], f"{again[0]:.1f} s", flush=True)
            lines.append(
                f"| the same file again (upsert: {report2.rows_unchanged:,} unchanged) | {again[0]:.1f} s | ≤ 30 s |"
            )
    scope = make_scope(engine, None, None)
    methods = ["window", "eb"]
    try:
        import analysis.nkde  # noqa: F401

        methods.append("nkde")
    except ImportError:
        pass
    for method in methods:
        times, found = timed(lambda m=method: find(engine, m, scope, limit=100), 3)
        target = "≤ 5 s" if method != "nkde" else "(NKDE: see its own bench)"
        lines.append(
            f"| {method} ranking, province, {found.accidents_counted:,} accidents, {found.total:,} spots "
            f"(median of 3) | {statistics.median(times):.2f} s | {target} |"
        )
        print(method, [f"{x:.2f}" for x in times], found.total, flush=True)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM accidents WHERE source = 'bench'"))
    body = "\n".join(lines)
    print(body)
    if args.write_results:
        write_section("Analysis", body, "nice -n 10 python -m bench.analysis_bench --write-results")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
