"""Data-core benchmarks: the province demo, the OSM import rate, and a 1,000-feature items page.

Run: .venv/bin/python -m bench.data_core [--skip-demo]
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import time

import sqlalchemy as sa

from bench.common import PROJECT_ROOT, daoan_bin, env_for, scratch_settings, timed_command, write_section
from gis.db import create_db_engine

BENCH_DB = "daoan_bench"
OSM_DB = "daoan_bench_osm"
MONACO = PROJECT_ROOT / "tests" / "data" / "monaco.osm.pbf"


def bench_demo() -> str:
    settings = scratch_settings(BENCH_DB)
    wall, rss, out = timed_command([daoan_bin(), "demo", "--size", "province"], env_for(settings))
    counts = {line.split()[0]: line.split()[-1] for line in out.splitlines() if line.strip()}
    return (
        f"| `daoan demo --size province` | {wall:.0f} s | {rss:.0f} MiB peak RSS | "
        f"{counts.get('road_segments', '?')} segments, {counts.get('cameras', '?')} cameras |"
    )


def bench_osm() -> str:
    settings = scratch_settings(OSM_DB)
    rows = []
    for _ in range(3):
        wall, rss, out = timed_command([daoan_bin(), "import", "osm", str(MONACO)], env_for(settings))
        rows.append((wall, rss))
    wall = statistics.median(w for w, _ in rows)
    rss = max(r for _, r in rows)
    size_mb = MONACO.stat().st_size / 1e6
    segments = next((line.split()[-1] for line in out.splitlines() if line.startswith("road_segments")), "?")
    return (
        f"| `daoan import osm monaco.osm.pbf` (median of 3) | {wall:.1f} s | {rss:.0f} MiB peak RSS | "
        f"{size_mb / wall:.2f} MB/s of PBF, {segments} segments |"
    )


def _get(conn: http.client.HTTPConnection, path: str) -> float:
    start = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{path}: HTTP {resp.status}")
    return time.perf_counter() - start


def bench_items_page(port: int = 18090) -> str:
    settings = scratch_settings(BENCH_DB)
    engine = create_db_engine(settings)
    with engine.connect() as conn:
        cameras = conn.execute(sa.text("SELECT count(*) FROM cameras")).scalar_one()
    engine.dispose()
    env = env_for(settings) | {"DAOAN_PORT": str(port)}
    server = subprocess.Popen(
        [daoan_bin(), "serve", "--workers", "1", "--threads", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                _get(conn, "/health")
                break
            except OSError:
                time.sleep(0.2)
        pages = max(1, min(cameras // 1000, 19))
        times = []
        for i in range(200):
            times.append(_get(conn, f"/collections/cameras/items?limit=1000&offset={(i % pages) * 1000}"))
        p50 = statistics.median(times) * 1000
        p95 = statistics.quantiles(times, n=20)[-1] * 1000
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return f"| `GET /collections/cameras/items?limit=1000` (200 requests, `daoan serve` 1 worker) | p50 {p50:.1f} ms | p95 {p95:.1f} ms | {cameras} cameras in the layer |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-demo", action="store_true", help="Reuse the province demo already in daoan_bench.")
    args = parser.parse_args()
    rows = ["| what | time | memory / spread | notes |", "|---|---|---|---|"]
    if not args.skip_demo:
        rows.append(bench_demo())
        print(rows[-1], flush=True)
    rows.append(bench_osm())
    print(rows[-1], flush=True)
    rows.append(bench_items_page())
    print(rows[-1], flush=True)
    write_section("Data core", "\n".join(rows), "make bench (python -m bench.data_core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
