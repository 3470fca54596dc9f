"""Routes over HTTP (issue 12): Daoan's `daoan serve` against Valhalla's own HTTP service and OSRM's
`osrm-routed` (CH), side by side in one run, timed by the same client.

    python -m bench.route_http_bench --dataset monaco [--write-results]
    python -m bench.route_http_bench --dataset province [--write-results]
        [--rounds 5] [--requests 1000] [--connections 8,32] [--peers valhalla,osrm] [--baseline-bin DAOAN]

The dataset is loaded into its own database (daoan_rbench_<dataset>) when it has no roads yet: Monaco
from tests/data/monaco.osm.pbf, the province with `daoan demo --size province`. The peers route the
same network: Monaco from the same .osm.pbf, the province from its graph exported as .osm.pbf (our
speeds as maxspeed; bench/routing_export.py). Their data is built once by bench/route_http_peers.py in
bench/.venv-peers (../shared/docs/peers.md) under bench/out/route_http/<dataset>/ and reused.

Each round sends `--requests` seeded random routes (from and to midway along random road segments)
over one kept-alive connection to each server in turn and times every request until its body is read
(not parsed): Daoan GET /route (GeoJSON line with Chinese steps), Valhalla POST /route with
`directions_type: instructions`, OSRM GET /route/v1/driving with `steps=true&overview=full&
geometries=geojson`. The report gives each round's p50 / p99 / p99.9 / max, the median of the rounds,
and with --connections, throughput at each connection count (req/s, p50, p99; one client thread per
connection, each on its own kept-alive connection). The load average is printed with every result.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.common import PROJECT_ROOT, daoan_bin, env_for, machine, scratch_settings, write_section

SEED = 2017
OUT = PROJECT_ROOT / "bench" / "out" / "route_http"
PEERS_PY = PROJECT_ROOT / "bench" / ".venv-peers" / "bin" / "python"
MONACO_PBF = PROJECT_ROOT / "tests" / "data" / "monaco.osm.pbf"
VALHALLA_THREADS = 2
OSRM_THREADS = 2


@dataclass(frozen=True)
class Call:
    """One request as the client sends it."""

    method: str
    path: str
    body: bytes | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


# ------------------------------------------------------------------ data
def ensure_dataset(settings, dataset: str) -> None:
    """Load the dataset into its database when it has no road network yet."""
    engine = sa.create_engine(settings.url())
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM road_segments)")).scalar()
    engine.dispose()
    if loaded:
        return
    if dataset == "monaco":
        cmd = [daoan_bin(), "import", "osm", str(MONACO_PBF)]
    else:
        cmd = [daoan_bin(), "demo", "--size", "province", "--seed", str(SEED)]
    subprocess.run(cmd, env=env_for(settings), check=True)


def points(settings, count: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Seeded (from, to) pairs, each point midway along a random road segment."""
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
    pt = [(round(float(r.x), 6), round(float(r.y), 6)) for r in rows]
    return [(pt[a], pt[b]) for a, b in picks.tolist()]


def route_paths(settings, count: int) -> list[str]:
    """GET /route paths between the seeded points (kept for other scripts)."""
    return [daoan_call(a, b).path for a, b in points(settings, count)]


def daoan_call(a: tuple[float, float], b: tuple[float, float]) -> Call:
    return Call("GET", f"/route?from={a[0]:.6f},{a[1]:.6f}&to={b[0]:.6f},{b[1]:.6f}")


def valhalla_call(a: tuple[float, float], b: tuple[float, float]) -> Call:
    body = {
        "locations": [{"lon": a[0], "lat": a[1]}, {"lon": b[0], "lat": b[1]}],
        "costing": "auto",
        "directions_type": "instructions",
        "units": "kilometers",
    }
    return Call("POST", "/route", json.dumps(body).encode())


def osrm_call(a: tuple[float, float], b: tuple[float, float]) -> Call:
    coords = f"{a[0]:.6f},{a[1]:.6f};{b[0]:.6f},{b[1]:.6f}"
    return Call("GET", f"/route/v1/driving/{coords}?steps=true&overview=full&geometries=geojson")


def peer_data(settings, dataset: str, *, osrm: bool) -> Path:
    """Build (or reuse) the peers' data for the dataset; the work folder."""
    work = OUT / dataset
    work.mkdir(parents=True, exist_ok=True)
    if dataset == "monaco":
        pbf = MONACO_PBF
    else:
        pbf = work / "network.osm.pbf"
        if not pbf.exists():
            from bench.routing_export import export_pbf
            from gis.db import connect, create_db_engine
            from routing.graph import load_graph

            engine = create_db_engine(settings)
            with connect(engine) as conn:
                graph = load_graph(conn)
            engine.dispose()
            export_pbf(graph, pbf)
    cmd = [str(PEERS_PY), str(PROJECT_ROOT / "bench" / "route_http_peers.py"), str(work), str(pbf)]
    subprocess.run([*cmd, *(["--osrm"] if osrm else [])], check=True)
    return work


# ------------------------------------------------------------------ servers
def _wait_ready(port: int, call: Call, what: str, timeout_s: float = 900) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request(call.method, call.path, body=call.body)
            status = c.getresponse().status
            c.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not start")


@contextmanager
def _process(cmd: list[str], env: dict[str, str] | None = None, sig: int = signal.SIGTERM) -> Iterator[None]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=60)


@contextmanager
def daoan_served(daoan: str, settings, probe: Call, numba_cache: str | None = None) -> Iterator[int]:
    """`daoan serve` (its defaults, access log off) on a free port until the block ends."""
    port = _free_port()
    env = env_for(settings) | {"DAOAN_API_TOKEN": "bench"}
    if numba_cache:
        env["NUMBA_CACHE_DIR"] = numba_cache
    with _process([daoan, "serve", "--port", str(port), "--no-access-log"], env):
        _wait_ready(port, probe, daoan)
        yield port


@contextmanager
def valhalla_served(work: Path, probe: Call) -> Iterator[int]:
    """valhalla_service (the binary inside the pyvalhalla wheel) with VALHALLA_THREADS threads."""
    port = _free_port()
    config = json.loads((work / "valhalla.json").read_text())
    config["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"
    cfg = work / "valhalla_http.json"
    cfg.write_text(json.dumps(config))
    pkg = subprocess.run(
        [str(PEERS_PY), "-c", "import valhalla, os; print(os.path.dirname(valhalla.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # It does not stop on SIGTERM: killed.
    with _process([f"{pkg}/bin/valhalla_service", str(cfg), str(VALHALLA_THREADS)], sig=signal.SIGKILL):
        _wait_ready(port, probe, "valhalla_service")
        yield port


@contextmanager
def osrm_served(work: Path, probe: Call) -> Iterator[int]:
    """osrm-routed --algorithm CH with OSRM_THREADS threads."""
    port = _free_port()
    pkg = subprocess.run(
        [str(PEERS_PY), "-c", "import osrm, os; print(os.path.dirname(osrm.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    cmd = [f"{pkg}/bin/osrm-routed", "--algorithm", "CH", "-i", "127.0.0.1", "-p", str(port)]
    with _process([*cmd, "-t", str(OSRM_THREADS), str(work / "osrm" / "network.osrm")]):
        _wait_ready(port, probe, "osrm-routed")
        yield port


# ------------------------------------------------------------------ the client
RECONNECTS: dict[int, int] = {}  # port → connections the server closed (osrm-routed ends one after 512 requests)


def one_connection(port: int, calls: list[Call], statuses: dict[int, int] | None = None) -> np.ndarray:
    """Milliseconds per request over one kept-alive connection (until the body is read). When the server
    closes the connection, the request is sent again on a new one and timed with the connect."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = np.empty(len(calls))
    headers = {"Content-Type": "application/json"}
    for i, call in enumerate(calls):
        t0 = time.perf_counter()
        try:
            c.request(call.method, call.path, body=call.body, headers=headers if call.body else {})
            r = c.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            RECONNECTS[port] = RECONNECTS.get(port, 0) + 1
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            t0 = time.perf_counter()
            c.request(call.method, call.path, body=call.body, headers=headers if call.body else {})
            r = c.getresponse()
        body = r.read()
        out[i] = (time.perf_counter() - t0) * 1000
        if r.status >= 500:
            raise RuntimeError(f"{call.path}: {r.status} {body[:300]!r}")
        if statuses is not None:
            statuses[r.status] = statuses.get(r.status, 0) + 1
    c.close()
    return out


def many_connections(port: int, calls: list[Call], connections: int) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) with `connections` clients, each on its own connection, sharing `calls`."""
    sinks: list[np.ndarray] = []
    share = len(calls) // connections
    start = threading.Barrier(connections + 1)

    def run(k: int) -> None:
        start.wait()
        sinks.append(one_connection(port, calls[k * share : (k + 1) * share]))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
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


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", choices=["monaco", "province"], default="monaco")
    ap.add_argument("--db", help="database (default daoan_rbench_<dataset>)")
    ap.add_argument("--baseline-bin", help="another checkout's daoan, served side by side as a baseline")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--connections", default="8,32", help="comma-separated connection counts; empty for none")
    ap.add_argument("--peers", default=None, help="valhalla,osrm (default: both on Monaco, valhalla on the province)")
    ap.add_argument("--write-results", action="store_true", help="write the section in bench/RESULTS.md")
    args = ap.parse_args(argv)
    settings = scratch_settings(args.db or f"daoan_rbench_{args.dataset}")
    ensure_dataset(settings, args.dataset)
    pairs = points(settings, args.requests)
    wanted = (args.peers or ("valhalla,osrm" if args.dataset == "monaco" else "valhalla")).split(",")
    wanted = [p for p in wanted if p]
    missing_peers = ""
    if wanted and not PEERS_PY.exists():
        missing_peers = "bench/.venv-peers is missing (../shared/docs/peers.md): peers not measured"
        print(missing_peers)
        wanted = []
    work = peer_data(settings, args.dataset, osrm="osrm" in wanted) if wanted else OUT / args.dataset
    calls = {"daoan": [daoan_call(a, b) for a, b in pairs]}
    if args.baseline_bin:
        calls["baseline"] = calls["daoan"]
    if "valhalla" in wanted:
        calls["valhalla"] = [valhalla_call(a, b) for a, b in pairs]
    if "osrm" in wanted:
        calls["osrm"] = [osrm_call(a, b) for a, b in pairs]
    head = f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}; {args.dataset}; {_load()} at the start"
    print(f"# {head}", flush=True)
    lines: list[str] = []
    with ExitStack() as stack:
        ports: dict[str, int] = {}
        for name in calls:
            probe = calls[name][0]
            if name == "daoan":
                ports[name] = stack.enter_context(daoan_served(daoan_bin(), settings, probe))
            elif name == "baseline":
                cache = "/tmp/daoan-bench-numba-baseline"
                ports[name] = stack.enter_context(daoan_served(args.baseline_bin, settings, probe, cache))
            elif name == "valhalla":
                ports[name] = stack.enter_context(valhalla_served(work, probe))
            else:
                ports[name] = stack.enter_context(osrm_served(work, probe))
        for name, port in ports.items():  # warm-up: every worker, every kernel
            for _ in range(3):
                one_connection(port, calls[name][: min(300, len(calls[name]))])
        rounds: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in ports}
        statuses: dict[str, dict[int, int]] = {name: {} for name in ports}
        for r in range(args.rounds):
            for name, port in ports.items():
                s = stats(one_connection(port, calls[name], statuses[name]))
                rounds[name].append(s)
                print(
                    f"round {r + 1} {name:>9}: p50 {s[0]:.2f}  p99 {s[1]:.2f}  p99.9 {s[2]:.2f}  max {s[3]:.1f} ms"
                    f"  ({_load()})",
                    flush=True,
                )
        medians = {name: np.median(np.array(rs), axis=0) for name, rs in rounds.items()}
        load_rounds = _load()
        lines.append("| server | p50 ms | p99 ms | p99.9 ms | max ms | answers 200 |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for name, med in medians.items():
            ok = statuses[name].get(200, 0) / max(1, sum(statuses[name].values()))
            again = RECONNECTS.get(ports[name], 0)
            note = f" ({again} reconnects)" if again else ""
            lines.append(f"| {name} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.1f} | {ok:.0%}{note} |")
            print(
                f"median of rounds {name:>9}: p50 {med[0]:.2f}  p99 {med[1]:.2f}  p99.9 {med[2]:.2f}  max {med[3]:.1f}"
            )
        throughput: list[str] = []
        for n in [int(c) for c in args.connections.split(",") if c.strip()]:
            for name, port in ports.items():
                many = calls[name] * max(1, (n * 100) // len(calls[name]) + 1)
                rps, p50, p99 = many_connections(port, many, n)
                row = f"| {name} | {n} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {_load()} |"
                throughput.append(row)
                print(row, flush=True)
    ratios = []
    for peer in ("valhalla", "osrm"):
        if peer in medians:
            ratios.append(f"{peer} p50 / daoan p50 = {medians[peer][0] / medians['daoan'][0]:.2f}×")
    print("; ".join(ratios))
    if args.write_results:
        body = [
            f"Dataset {args.dataset}; {args.rounds} rounds × {args.requests} seeded random routes on one kept-alive "
            "connection per server, each server in turn within a round; median of the rounds' percentiles. "
            f"Load average: {head.rsplit('; ', 1)[1]}, after the rounds {load_rounds} (2 shared cores).",
            "",
            *lines,
            "",
            "; ".join(ratios) + ("" if not missing_peers else f" {missing_peers}"),
        ]
        if throughput:
            body += ["", "| server | connections | req/s | p50 ms | p99 ms | load |", "|---|---:|---:|---:|---:|---|"]
            body += throughput
        command = f"python -m bench.route_http_bench --dataset {args.dataset} --write-results"
        write_section(f"Routing over HTTP, {args.dataset} (issue 12)", "\n".join(body), command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
