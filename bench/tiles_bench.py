"""Tile server benchmark: Daoan (cache off and warm) against tipg and the database ceiling (pgbench).

Same PostGIS, same data, the same seeded list of tiles over z6–z15, loopback only, bounded runs:
  * Daoan as `daoan serve` runs it (granian, 3 workers x 4 threads; access log off), once with the
    tile cache off and once warm;
  * tipg (developmentseed) under uvicorn in its own venv bench/.venv-tipg (created when missing);
  * pgbench running the same tile SQL as prepared statements: the ceiling for an uncached server.
wrk drives the HTTP servers at 1, 8 and 32 connections, interleaved over several rounds. Writes a "Tiles" section to bench/RESULTS.md.

    .venv/bin/python bench/tiles_bench.py [--layer road_segments] [--duration 10] [--write-results]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.tile_sizes import sample_tiles
from gis.db import connect, create_db_engine
from gis.settings import PROJECT_ROOT, Settings, load_settings
from layers.catalog import LAYERS, Layer
from tiles.matrix import EXTENT, WORLD_M, TileAddress
from tiles.queries import compose
from tiles.render import render_layers
from tiles.seed import seed_bounds

OUT = PROJECT_ROOT / "bench" / "out"
TIPG_VENV = PROJECT_ROOT / "bench" / ".venv-tipg"
LUA = PROJECT_ROOT / "bench" / "tiles_wrk.lua"
OURS_PORT, TIPG_PORT = 18080, 18081


def free_port(port: int) -> int:
    """`port` when nothing listens there, else a free one."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout_s: float = 60) -> None:
    """Wait until `url` answers 200."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up within {timeout_s:.0f} s")


def wrk(base: str, paths_file: Path, connections: int, duration_s: int) -> dict:
    """One wrk run over the tile list: tiles/s, p50 and p99 in ms, errors."""
    env = dict(os.environ, TILES_FILE=str(paths_file))
    threads = max(1, min(connections, 2))
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s", "--timeout", "10s",
           "-s", str(LUA), base]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration_s + 60, check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("{"))
    raw = json.loads(line)
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "errors": raw["errors"] + raw["non2xx"],
    }


class Server:
    """A server process started for the benchmark and stopped afterwards (by its own pid)."""

    def __init__(self, cmd: list[str], env: dict[str, str], ready_url: str, log: Path) -> None:
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(ready_url, timeout_s=600)  # `daoan serve` builds the province routing data first (~1 min)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def ours(settings: Settings, port: int, *, cache: bool) -> Server:
    """Daoan as `daoan serve` runs it (its default workers and threads), access log off."""
    env = dict(os.environ)
    env["DAOAN_DATABASE_URL"] = settings.url()
    env["DAOAN_TILE_CACHE_MB"] = "256" if cache else "0"
    daoan = str(Path(sys.executable).with_name("daoan"))
    cmd = [daoan, "serve", "--port", str(port), "--no-access-log"]
    return Server(cmd, env, f"http://127.0.0.1:{port}/health", OUT / f"ours-{'warm' if cache else 'nocache'}.log")


def ensure_tipg() -> Path:
    """bench/.venv-tipg with tipg and uvicorn (pip install from PyPI when missing)."""
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    if not uvicorn.exists():
        python = shutil.which("python3.11") or sys.executable
        subprocess.run([python, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "-q", "tipg", "uvicorn[standard]"], check=True)
    return uvicorn


def asyncpg_url(settings: Settings) -> str:
    """The database as a URL tipg accepts: a unix socket directory goes percent-encoded in the host."""
    url = sa.engine.make_url(settings.url())
    socket_dir = url.query.get("host")
    if isinstance(socket_dir, tuple):
        socket_dir = socket_dir[0]
    host = quote(socket_dir, safe="") if socket_dir else (url.host or "localhost")
    port = url.query.get("port") or url.port or 5432
    password = f":{quote(url.password, safe='')}" if url.password else ""
    return f"postgresql://{url.username}{password}@{host}:{port}/{url.database}"


def tipg(settings: Settings, port: int) -> Server:
    """tipg under uvicorn (one worker, as its docs run it)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = asyncpg_url(settings)
    passfile = sa.engine.make_url(settings.url()).query.get("passfile")  # the cluster's password (scram)
    if passfile:
        env["PGPASSFILE"] = passfile if isinstance(passfile, str) else passfile[0]
    env["TIPG_NAME"] = "tipg"
    cmd = [str(ensure_tipg()), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    return Server(cmd, env, f"http://127.0.0.1:{port}/collections", OUT / "tipg.log")


def median_run(runs: list[dict]) -> dict:
    """Each measure's median over the rounds (tiles/s, p50, p99), and the errors of all of them."""
    out = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99")}
    out["errors"] = sum(r["errors"] for r in runs)
    return out


def pgbench_script(layer: Layer, tiles: list[TileAddress]) -> str:
    """A pgbench script: pick one of the tiles, run the layer's tile SQL for its zoom band."""
    values = ",".join(f"({i},{t.z},{t.x},{t.y})" for i, t in enumerate(tiles))
    lines = [
        f"\\set i random(0, {len(tiles) - 1})",
        f"SELECT z, x, y FROM (VALUES {values}) AS v(i, z, x, y) WHERE i = :i \\gset",
    ]
    spec = layer.tiles
    unit_at_z0 = WORLD_M / EXTENT
    for index in reversed(range(len(spec.bands))):
        band = spec.bands[index]
        query = compose(layer, index)
        margin_units = max(spec.buffer, band.cluster_px) if query.clustered else spec.buffer
        only = "{" + ",".join(band.only or ()) + "}"
        sql = (
            query.sql.replace("$10", ":cell")
            .replace("$9", f"'{only}'::text[]")
            .replace("$8", str(spec.feature_limit))
            .replace("$7", ":tol")
            .replace("$6", repr(margin_units / EXTENT))
            .replace("$5", str(spec.buffer))
            .replace("$4", f"'{layer.id}'")
            .replace("$3", ":y")
            .replace("$2", ":x")
            .replace("$1", ":z")
        )
        sql = " ".join(line.split("--")[0].strip() for line in sql.splitlines() if line.split("--")[0].strip())
        keyword = "\\if" if index == len(spec.bands) - 1 else "\\elif"
        lines.append(f"{keyword} :z >= {band.minzoom}")
        lines.append(f"\\set tol {band.simplify_px * unit_at_z0} / pow(2, :z)")
        lines.append(f"\\set cell {band.cluster_px * unit_at_z0} / pow(2, :z)")
        lines.append(sql + ";")
    lines.append("\\endif")
    return "\n".join(lines) + "\n"


def pgbench(settings: Settings, script: Path, connections: int, duration_s: int) -> dict:
    """pgbench with prepared statements: tiles/s and latency percentiles from the transaction log."""
    logs = OUT / "pgbench-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    # The server's tile session settings (sql/queries/tiles_session.sql).
    env = dict(os.environ, PGOPTIONS="-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan")
    threads = max(1, min(connections, 2))
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(connections), "-j", str(threads), "-T", str(duration_s),
           "-f", str(script), "-l", "--log-prefix", str(logs / "tx"), settings.libpq_url()]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration_s + 120, check=True)
    latencies = []
    for path in logs.iterdir():
        for line in path.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
    latencies.sort()
    tps = next(float(x.split("=")[1].split()[0]) for x in proc.stdout.splitlines() if x.startswith("tps"))
    return {"rps": tps, "p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99)],
            "errors": 0}  # fmt: skip


def targets_met(results: dict[str, dict[int, dict]], conns: list[int]) -> str:
    """The issue's performance targets, each with the measured value and whether it was met."""
    off = results.get("Daoan, cache off", {})
    warm = results.get("Daoan, cache warm", {})
    tipg = results.get("tipg", {})
    ceiling = results.get("pgbench (ceiling)", {})
    rows = ["| target | measured | met |", "|---|---|:-:|"]
    for c in conns:
        if c in off and c in tipg:
            ratio, p99 = off[c]["rps"] / tipg[c]["rps"], off[c]["p99"] / tipg[c]["p99"]
            rows.append(f"| cache off ≥ 3× tipg tiles/s, p99 ≤ ½ tipg's ({c} conns) | {ratio:.1f}×, p99 {p99:.2f}× "
                        f"| {'yes' if ratio >= 3 and p99 <= 0.5 else 'no'} |")  # fmt: skip
        if c in off and c in ceiling:
            share = off[c]["rps"] / ceiling[c]["rps"]
            rows.append(
                f"| cache off ≥ 80% of the ceiling ({c} conns) | {share:.0%} | {'yes' if share >= 0.8 else 'no'} |"
            )
    if 32 in warm:
        w = warm[32]
        rows.append(f"| warm ≥ 3,000 tiles/s at 32 conns | {w['rps']:,.0f} | {'yes' if w['rps'] >= 3000 else 'no'} |")
        rows.append(f"| warm p99 < 20 ms at 32 conns | {w['p99']:.1f} ms | {'yes' if w['p99'] < 20 else 'no'} |")
    return "\n".join(rows)


def bytes_by_zoom(engine: sa.Engine, layer: Layer, tiles: list[TileAddress]) -> str:
    """Median and maximum bytes per tile at each zoom of the list (uncompressed MVT)."""
    sizes: dict[int, list[int]] = {}
    with connect(engine) as conn:
        for tile in tiles:
            sizes.setdefault(tile.z, []).append(len(render_layers(conn, [layer], tile, internal=True)[layer.id]))
    rows = ["| zoom | tiles | median bytes | max bytes |", "|---:|---:|---:|---:|"]
    for z in sorted(sizes):
        rows.append(f"| {z} | {len(sizes[z])} | {statistics.median(sizes[z]):,.0f} | {max(sizes[z]):,} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layer", default="road_segments")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk/pgbench run")
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--systems", default="off,warm,tipg,pgbench", help="which of off,warm,tipg,pgbench to run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    settings = load_settings()
    layer = LAYERS[args.layer]
    engine = create_db_engine(settings)
    with engine.connect() as conn:
        segments = conn.execute(sa.text("SELECT count(*) FROM road_segments")).scalar()
    if not segments:
        print("no road segments loaded: run `daoan demo --size province` first", file=sys.stderr)
        return 2
    bounds = seed_bounds(engine, settings, list(LAYERS.values()))
    tiles = sample_tiles(engine, bounds, args.count, range(6, 16), args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    ours_paths, tipg_paths, script = OUT / "tiles-ours.txt", OUT / "tiles-tipg.txt", OUT / "tiles-pgbench.sql"
    ours_paths.write_text("".join(f"/tiles/{layer.id}/{t.z}/{t.x}/{t.y}.mvt\n" for t in tiles))
    tipg_paths.write_text(
        "".join(f"/collections/public.{layer.table}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}\n" for t in tiles)
    )
    script.write_text(pgbench_script(layer, tiles))
    conns = [int(c) for c in args.connections.split(",")]
    load_before = os.getloadavg()[0]
    systems = args.systems.split(",")
    servers: dict[str, tuple[Server, str, Path]] = {}
    try:
        port = free_port(OURS_PORT)
        if "off" in systems:
            servers["Daoan, cache off"] = (ours(settings, port, cache=False), f"http://127.0.0.1:{port}", ours_paths)
        if "warm" in systems:
            wport = free_port(port + 2)
            servers["Daoan, cache warm"] = (ours(settings, wport, cache=True), f"http://127.0.0.1:{wport}", ours_paths)
        if "tipg" in systems:
            tport = free_port(TIPG_PORT)
            servers["tipg"] = (tipg(settings, tport), f"http://127.0.0.1:{tport}", tipg_paths)
        for _, base, paths in servers.values():
            wrk(base, paths, 8, 5)  # warm-up: prepare statements, fill caches and buffers
        if "pgbench" in systems:
            pgbench(settings, script, 8, 3)
        # Interleaved, round after round, so that the shared machine's drifting load falls on every
        # system alike; the median of the rounds is reported.
        runs: dict[str, dict[int, list[dict]]] = {}
        for _ in range(args.rounds):
            for c in conns:
                for name, (_, base, paths) in servers.items():
                    runs.setdefault(name, {}).setdefault(c, []).append(wrk(base, paths, c, args.duration))
                if "pgbench" in systems:
                    runs.setdefault("pgbench (ceiling)", {}).setdefault(c, []).append(
                        pgbench(settings, script, c, args.duration)
                    )
            print(json.dumps(runs), flush=True)
    finally:
        for server, _, _ in servers.values():
            server.stop()
    results: dict[str, dict[int, dict]] = {
        name: {c: median_run(rs) for c, rs in by_conn.items()} for name, by_conn in runs.items()
    }

    table = ["| server | conns | tiles/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    for name, by_conn in results.items():
        for c, r in by_conn.items():
            table.append(f"| {name} | {c} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |")
    ratios = ["| conns | cache off / tipg (tiles/s) | cache off p99 / tipg p99 | cache off / ceiling |",
              "|---:|---:|---:|---:|"]  # fmt: skip
    off, ceiling = results.get("Daoan, cache off", {}), results.get("pgbench (ceiling)", {})
    for c in conns:
        tipg_r = results.get("tipg", {}).get(c)
        vs_tipg = f"{off[c]['rps'] / tipg_r['rps']:.1f}×" if tipg_r and c in off else "–"
        p99 = f"{off[c]['p99'] / tipg_r['p99']:.2f}" if tipg_r and c in off else "–"
        vs_ceiling = f"{off[c]['rps'] / ceiling[c]['rps']:.0%}" if c in off and c in ceiling else "–"
        ratios.append(f"| {c} | {vs_tipg} | {p99} | {vs_ceiling} |")
    targets = targets_met(results, conns)
    sizes = bytes_by_zoom(engine, layer, tiles)
    body = (
        f"Layer `{layer.id}`, {len(tiles)} seeded tiles (seed {args.seed}) over z6–z15 centred on road points; "
        f"database `{engine.url.database}` with {segments:,} road segments. "
        f"wrk on loopback, {args.duration} s per run, `Accept-Encoding: gzip`; "
        f"{args.rounds} rounds, each running every system in turn at each connection count; each measure's median over the "
        "rounds is shown. Daoan: `daoan serve --no-access-log` (granian, 3 workers x 4 threads); tipg 1.x: one uvicorn "
        "worker; pgbench: the same tile SQL, prepared (`-M prepared`), plus a lookup of the tile's z/x/y.\n\n"
        + "\n".join(table)
        + "\n\nRatios:\n\n"
        + "\n".join(ratios)
        + "\n\nTargets of issue 3:\n\n"
        + targets
        + f"\n\nLoad average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after the run (2 cores, shared: "
        "repeated runs vary by about a third).\n\nBytes per tile (uncompressed MVT) by zoom:\n\n" + sizes
    )
    print(body)
    if args.write_results:
        from bench.common import write_section

        write_section("Tiles", body, "python bench/tiles_bench.py --write-results")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
