"""HTTP route latency on one kept-alive connection (issue 12): `daoan serve` against itself at another
commit (or a peer URL), side by side in one run with the same client.

    python -m bench.route_http_bench --db daoan_rbench_monaco [--baseline-bin OTHER/.venv/bin/daoan]
        [--rounds 5] [--requests 1000] [--connections 8]

Each round sends `--requests` random routes (seeded points on the main network, GeoJSON answers)
over one kept-alive connection to each server in turn and times every request until its body is
read (not parsed); the report gives each round's p50 / p99 / p99.9 / max and the median of the
rounds. With --connections N, route throughput at N connections follows (req/s, p50, p99).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import numpy as np
import sqlalchemy as sa

from bench.common import daoan_bin, env_for, machine, scratch_settings

SEED = 2017


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def route_paths(settings, count: int) -> list[str]:
    """GET /route paths between seeded random points on road segments (midway along them)."""
    engine = sa.create_engine(settings.url())
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS p "
                "FROM road_segments ORDER BY id) s"
            )
        ).all()
    engine.dispose()
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(rows), size=(count, 2))
    return [
        f"/route?from={rows[a].x:.6f},{rows[a].y:.6f}&to={rows[b].x:.6f},{rows[b].y:.6f}" for a, b in picks.tolist()
    ]


@contextmanager
def served(daoan: str, settings, *, numba_cache: str | None = None) -> Iterator[int]:
    """`daoan serve` (its defaults, access log off) on a free port until the block ends."""
    port = _free_port()
    env = env_for(settings) | {"DAOAN_API_TOKEN": "bench"}
    if numba_cache:
        env["NUMBA_CACHE_DIR"] = numba_cache
    proc = subprocess.Popen(
        [daoan, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"{daoan} serve did not start")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def one_connection(port: int, paths: list[str]) -> np.ndarray:
    """Milliseconds per request over one kept-alive connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = np.empty(len(paths))
    for i, p in enumerate(paths):
        t0 = time.perf_counter()
        c.request("GET", p)
        r = c.getresponse()
        body = r.read()
        out[i] = (time.perf_counter() - t0) * 1000
        if r.status not in (200, 422):
            raise RuntimeError(f"{p}: {r.status} {body[:300]!r}")
    c.close()
    return out


def many_connections(port: int, paths: list[str], connections: int) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) with `connections` clients sharing `paths`."""
    sinks: list[np.ndarray] = []
    share = len(paths) // connections

    def run(k: int) -> None:
        sinks.append(one_connection(port, paths[k * share : (k + 1) * share]))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = np.concatenate(sinks)
    return len(lat) / wall, float(np.percentile(lat, 50)), float(np.percentile(lat, 99))


def stats(ms: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 99)),
        float(np.percentile(ms, 99.9)),
        float(ms.max()),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--baseline-bin", help="another checkout's daoan, served side by side as the baseline")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=0)
    args = ap.parse_args(argv)
    settings = scratch_settings(args.db)
    paths = route_paths(settings, args.requests)
    servers = {"this": (daoan_bin(), None)}
    if args.baseline_bin:
        servers["baseline"] = (args.baseline_bin, "/tmp/daoan-bench-numba-baseline")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}; load {os.getloadavg()[0]:.1f}")
    with ExitStack() as stack:
        ports = {
            name: stack.enter_context(served(b, settings, numba_cache=cache)) for name, (b, cache) in servers.items()
        }
        for port in ports.values():  # warm-up: every worker, every kernel (503 while a worker still builds)
            done = 0
            while done < 3:
                try:
                    one_connection(port, paths[:100])
                    done += 1
                except RuntimeError:
                    time.sleep(5)
        rounds: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in ports}
        for r in range(args.rounds):
            for name, port in ports.items():
                s = stats(one_connection(port, paths))
                rounds[name].append(s)
                print(f"round {r + 1} {name:>8}: p50 {s[0]:.2f}  p99 {s[1]:.2f}  p99.9 {s[2]:.2f}  max {s[3]:.1f} ms")
        for name, rs in rounds.items():
            med = np.median(np.array(rs), axis=0)
            print(
                f"median of rounds {name:>8}: p50 {med[0]:.2f}  p99 {med[1]:.2f}  p99.9 {med[2]:.2f}  max {med[3]:.1f} ms"
            )
        if args.connections:
            for name, port in ports.items():
                rps, p50, p99 = many_connections(port, paths * 2, args.connections)
                print(f"{args.connections} connections {name:>8}: {rps:.0f} req/s, p50 {p50:.2f}, p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
