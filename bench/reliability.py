"""Reliability (issue 11): mixed load at 32 connections, and the database stopped and started under load.

    python -m bench.reliability [--seconds 60] [--connections 32] [--outage-s 10] [--write-results]

A private PostgreSQL cluster (under var/, its own port: stopping it touches nobody else's) gets the
small demo; `daoan serve` (its defaults: 3 workers × 4 threads) serves it. Then:

1. load: `--connections` clients, each on its own kept-alive connection, send a seeded mix for
   `--seconds` — 50 % vector tiles (zoom 8–14 over the demo's extent), 30 % feature pages (random
   layer, bbox and offset), 20 % routes between random points — and time every request until its body
   is read. Reported: requests, rate, every status seen, errors (5xx and failed connections) and
   p50 / p99 / max per kind.
2. outage: 8 clients keep the same mix going; after 5 s the cluster is stopped (`pg_ctl stop -m fast`)
   for `--outage-s` seconds, then started. Reported: the answers during the outage by status (503 with
   Retry-After is right; any other 5xx or a dropped connection is wrong) and the time from the cluster
   accepting connections again to the first 200 of each kind and to the last 5xx answer.
3. fuzz: the numbers of `tests/test_fuzz_api.py` (schemathesis on /openapi.json, with and without a
   token), run with `-s`, when `--fuzz` is given.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.common import daoan_bin, machine, write_section
from gis.cluster import ensure_cluster, stop_cluster
from gis.db import create_db_engine, ensure_database
from gis.migrate import migrate
from gis.settings import PROJECT_ROOT, Settings, load_settings

SEED = 2017
TILE_LAYERS = ("road_segments", "road_segments,cameras,incidents", "cameras,weather_stations")
ITEM_LAYERS = ("cameras", "road_segments", "weather_stations", "toll_stations")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def private_cluster() -> Settings:
    """A cluster of its own under var/ (another port), with the small demo loaded."""
    from layers.demo import load_demo

    base = load_settings()
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="reliability-", dir=PROJECT_ROOT / "var"))
    settings = replace(base, var_dir=var_dir, pg_port=base.pg_port + 23, database_url=None, app_database_url=None)
    ensure_cluster(settings)
    ensure_database(settings, "daoan")
    engine = create_db_engine(settings)
    migrate(engine)
    load_demo(engine, settings, size="small", seed=SEED)
    engine.dispose()
    return settings


def request_paths(settings: Settings, count: int) -> list[tuple[str, str]]:
    """(kind, path) pairs of the seeded mix."""
    engine = sa.create_engine(settings.url())
    with engine.connect() as conn:
        extent = conn.execute(sa.text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                      "(SELECT ST_Extent(geom) AS e FROM road_segments) s")).one()  # fmt: skip
        points = conn.execute(
            sa.text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS p "
                "FROM road_segments ORDER BY id) s"
            )  # fmt: skip
        ).all()
    engine.dispose()
    rng = random.Random(SEED)
    x0, y0, x1, y1 = (float(v) for v in extent)
    paths: list[tuple[str, str]] = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.5:
            z = rng.randint(8, 14)
            lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
            n = 2**z
            x = int((lon + 180) / 360 * n)
            y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
            paths.append(("tile", f"/tiles/{rng.choice(TILE_LAYERS)}/{z}/{x}/{y}.mvt"))
        elif draw < 0.8:
            w, h = (x1 - x0) / 8, (y1 - y0) / 8
            bx, by = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
            layer = rng.choice(ITEM_LAYERS)
            paths.append(("items", f"/collections/{layer}/items?limit=100&offset={rng.randint(0, 200)}"
                                   f"&bbox={bx:.4f},{by:.4f},{bx + w:.4f},{by + h:.4f}"))  # fmt: skip
        else:
            (ax, ay), (bx2, by2) = rng.choice(points), rng.choice(points)
            paths.append(("route", f"/route?from={ax:.6f},{ay:.6f}&to={bx2:.6f},{by2:.6f}"))
    return paths


@dataclass
class Tally:
    """What the clients saw: (kind, status) counts, latencies per kind, (time, kind, status) events."""

    statuses: Counter = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    events: list[tuple[float, str, int]] = field(default_factory=list)
    retry_after_missing: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(port: int, paths: list[tuple[str, str]], start: int, stop_at: float, tally: Tally) -> None:
    """One kept-alive connection sending `paths` round-robin from `start` until `stop_at`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = start
    while time.monotonic() < stop_at:
        kind, path = paths[i % len(paths)]
        i += 1
        t0 = time.monotonic()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            missing = status == 503 and not resp.getheader("Retry-After")
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except (OSError, http.client.HTTPException):
            status, missing = 0, False  # the connection failed
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.05)
        t1 = time.monotonic()
        with tally.lock:
            tally.statuses[(kind, status)] += 1
            tally.latency[kind].append(t1 - t0)
            tally.events.append((t1, kind, status))
            tally.retry_after_missing += missing
    conn.close()


def run_clients(port: int, paths: list[tuple[str, str]], n: int, seconds: float) -> Tally:
    tally = Tally()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(port, paths, i * len(paths) // n, stop_at, tally)) for i in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def serve(settings: Settings) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = dict(os.environ, DAOAN_VAR=str(settings.var_dir), DAOAN_PG_PORT=str(settings.pg_port))
    env.pop("DAOAN_DATABASE_URL", None)
    env.pop("DAOAN_APP_DATABASE_URL", None)
    env["DAOAN_API_TOKEN"] = "reliability-bench"
    env.setdefault("NUMBA_CACHE_DIR", str(PROJECT_ROOT / "var" / "numba"))  # compiled kernels shared
    proc = subprocess.Popen(
        [daoan_bin(), "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request("GET", "/route?from=0,0&to=0,0")  # 4xx once routing is ready (503 while building)
            if c.getresponse().status != 503:
                return proc, port
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not start")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) * 1000 if values else float("nan")


def load_report(tally: Tally, seconds: float, n: int) -> str:
    total = sum(tally.statuses.values())
    errors = sum(c for (_, s), c in tally.statuses.items() if s == 0 or s >= 500)
    lines = [
        f"{n} connections, {seconds:.0f} s: {total:,} requests ({total / seconds:,.0f}/s), "
        f"errors (5xx or failed connections): {errors}",
        "",
        "| kind | requests | statuses | p50 ms | p99 ms | max ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for kind in ("tile", "items", "route"):
        seen = {s: c for (k, s), c in tally.statuses.items() if k == kind}
        lat = tally.latency[kind]
        statuses = ", ".join(f"{s}: {c:,}" for s, c in sorted(seen.items()))
        lines.append(
            f"| {kind} | {len(lat):,} | {statuses} | {_pct(lat, 50):.1f} | {_pct(lat, 99):.1f} | {_pct(lat, 100):.1f} |"
        )
    return "\n".join(lines)


def outage(settings: Settings, port: int, paths: list[tuple[str, str]], outage_s: float) -> str:
    tally = Tally()
    stop_at = time.monotonic() + 5 + outage_s + 20
    threads = [threading.Thread(target=client, args=(port, paths, i * 997, stop_at, tally)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(5)
    down_at = time.monotonic()
    stop_cluster(settings)
    stopped_at = time.monotonic()
    time.sleep(outage_s)
    ensure_cluster(settings)
    up_at = time.monotonic()
    for t in threads:
        t.join()
    during = Counter(s for t, _, s in tally.events if down_at <= t <= up_at)
    after = [(t, k, s) for t, k, s in tally.events if t > up_at]
    first_ok = {k: min((t for t, kk, s in after if kk == k and s == 200), default=math.nan) - up_at
                for k in ("tile", "items", "route")}  # fmt: skip
    last_bad = max((t for t, _, s in after if s == 0 or s >= 500), default=up_at) - up_at
    bad_after = Counter((k, s) for _, k, s in after if not 200 <= s < 400)
    wrong = sum(c for s, c in during.items() if s != 503 and not 200 <= s < 400)
    return "\n".join([
        f"8 connections of the same mix; the cluster stopped (fast) for {outage_s:.0f} s "
        f"(stop took {stopped_at - down_at:.1f} s), then started.",
        "",
        f"- answers while it was down: {', '.join(f'{s}: {c:,}' for s, c in sorted(during.items()))} "
        f"(wrong — another 5xx or a dropped connection: {wrong}; 503 without Retry-After: "
        f"{tally.retry_after_missing})",
        f"- after it accepted connections again: first 200 for tiles {first_ok['tile']:.2f} s, "
        f"items {first_ok['items']:.2f} s, routes {first_ok['route']:.2f} s; "
        f"last 5xx answer (or failed connection) {last_bad:.2f} s after",
        f"- answers neither 2xx nor 3xx after it was up again, by kind and status (4xx: a random pair of points "
        f"with no route between them): "
        f"{', '.join(f'{k} {s}: {c:,}' for (k, s), c in sorted(bad_after.items())) or 'none'}",
    ])  # fmt: skip


def fuzz_report() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/test_fuzz_api.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    found = list(dict.fromkeys(re.findall(r"fuzz: .*", done.stdout)))  # printed and reported: once each
    summary = (done.stdout.strip().splitlines() or ["?"])[-1]
    return "\n".join(f"- {line}" for line in found) + f"\n- pytest: {summary}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--outage-s", type=float, default=10)
    parser.add_argument("--fuzz", action="store_true", help="also run the fuzz test module and report it")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    settings = private_cluster()
    proc = None
    try:
        paths = request_paths(settings, 20_000)
        proc, port = serve(settings)
        load_avg = os.getloadavg()[0]
        tally = run_clients(port, paths, args.connections, args.seconds)
        load = load_report(tally, args.seconds, args.connections)
        print(load, flush=True)
        out = outage(settings, port, paths, args.outage_s)
        print(out, flush=True)
        parts = [
            "### Mixed load",
            f"Load average when it started: {load_avg:.1f}. The client runs on the same 2 cores.",
            load,
            "### Database outage",
            out,
        ]
        if args.fuzz:
            fz = fuzz_report()
            print(fz)
            parts += ["### Fuzzing (schemathesis on /openapi.json, with and without a token)", fz]
        if args.write_results:
            cmd = "python -m bench.reliability" + (" --fuzz" if args.fuzz else "") + " --write-results"
            write_section("Reliability (issue 11)", "\n\n".join(parts), cmd)
    finally:
        if proc is not None:
            import signal

            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        stop_cluster(settings)
        shutil.rmtree(settings.var_dir, ignore_errors=True)
    print(machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
