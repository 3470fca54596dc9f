"""Peers' side of the routing benchmark: build Valhalla and OSRM (MLD) from the exported .osm.pbf and
time the same queries. Runs in bench/.venv-peers (Python 3.12, pyvalhalla 3.9.1, osrm-bindings 26.10.0).

Usage: python bench/routing_peers.py WORKDIR  (WORKDIR holds network.osm.pbf and queries.json;
results go to WORKDIR/peers.json)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))] if s else float("nan")


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    rss = 0.0
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.rsplit(" ", 1)[1]) / 1024
    return time.perf_counter() - t0, rss


def _cached_build(work: Path, name: str, build) -> tuple[float, float]:
    """Run build() unless the same network.osm.pbf was already built for this peer (builds take minutes)."""
    digest = hashlib.sha256((work / "network.osm.pbf").read_bytes()).hexdigest()
    stamp = work / f"{name}.build.json"
    if stamp.exists():
        done = json.loads(stamp.read_text())
        if done.get("sha256") == digest:
            return done["build_s"], done["build_rss_mb"]
    build_s, rss = build()
    stamp.write_text(json.dumps({"sha256": digest, "build_s": build_s, "build_rss_mb": rss}))
    return build_s, rss


def _latencies(fn, items) -> tuple[list[float], int]:
    out, failed = [], 0
    for item in items:
        t0 = time.perf_counter()
        try:
            fn(item)
        except Exception:
            failed += 1
            continue
        out.append((time.perf_counter() - t0) * 1000)
    return out, failed


ROUNDS = 3  # passes over the pairs, pooled: a burst of load on a shared machine spoils one at most


def _rounds(fn, items) -> tuple[list[float], int]:
    out, failed = [], 0
    for _ in range(ROUNDS):
        lat, failed = _latencies(fn, items)
        out += lat
    return out, failed


def valhalla_bench(work: Path, q: dict) -> dict:
    import valhalla

    bindir = Path(sys.executable).parent
    tiles = work / "valhalla_tiles"
    tiles.mkdir(exist_ok=True)
    config = valhalla.get_config(tile_extract="", tile_dir=tiles)
    config["mjolnir"]["concurrency"] = 2
    # Room for the 100×100 matrix across the province (defaults: 2,500 pairs within 400 km).
    config["service_limits"]["auto"]["max_matrix_location_pairs"] = 10_000
    config["service_limits"]["auto"]["max_matrix_distance"] = 2_000_000.0
    cfg = work / "valhalla.json"
    cfg.write_text(json.dumps(config))
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")  # the wrappers look on PATH
    build_s, rss = _cached_build(
        work,
        "valhalla",
        lambda: _timed([str(bindir / "valhalla_build_tiles"), "-c", str(cfg), str(work / "network.osm.pbf")], env),
    )
    actor = valhalla.Actor(str(cfg))

    def route(p):
        actor.route(
            {
                "locations": [{"lon": p[0][0], "lat": p[0][1]}, {"lon": p[1][0], "lat": p[1][1]}],
                "costing": "auto",
                "directions_options": {"units": "kilometers"},
            }
        )

    _latencies(route, q["pairs"])  # a warm-up pass: the steady state of a running server is measured
    lat, failed = _rounds(route, q["pairs"])
    iso = q["isochrone"]
    iso_ms, _ = _latencies(
        lambda p: actor.isochrone(
            {"locations": [{"lon": p[0], "lat": p[1]}], "costing": "auto", "contours": [{"time": 15}]}
        ),
        [iso] * 3,
    )
    out = {"build_s": build_s, "build_rss_mb": rss, "route_ms": lat, "route_failed": failed, "isochrone_ms": iso_ms}
    for key in ("matrix", "matrix_city"):
        m = q[key]
        request = {
            "sources": [{"lon": a, "lat": b} for a, b in m],
            "targets": [{"lon": a, "lat": b} for a, b in m],
            "costing": "auto",
        }
        out[f"{key}_ms"], out[f"{key}_failed"] = _latencies(lambda _, r=request: actor.matrix(r), [0])
    return out


def osrm_bench(work: Path, q: dict) -> dict:
    import osrm

    pkg = Path(osrm.__file__).parent
    bindir, profile = pkg / "bin", pkg / "share" / "profiles" / "car.lua"
    base = work / "osrm" / "network.osm.pbf"
    base.parent.mkdir(exist_ok=True)
    if base.exists():
        base.unlink()
    os.link(work / "network.osm.pbf", base)
    data = str(base).replace(".osm.pbf", ".osrm")

    def build() -> tuple[float, float]:
        total, peak = 0.0, 0.0
        for cmd in (
            [str(bindir / "osrm-extract"), "-p", str(profile), "-t", "2", str(base)],
            [str(bindir / "osrm-partition"), data],
            [str(bindir / "osrm-customize"), data],
        ):
            s, r = _timed(cmd)
            total += s
            peak = max(peak, r)
        return total, peak

    total, peak = _cached_build(work, "osrm", build)
    engine = osrm.OSRM(storage_config=data, algorithm="MLD", use_shared_memory=False, max_locations_distance_table=200)

    def route(p):
        res = engine.Route(osrm.RouteParameters(coordinates=[tuple(p[0]), tuple(p[1])]))
        if not res["routes"]:
            raise RuntimeError("no route")

    _latencies(route, q["pairs"])  # a warm-up pass: the steady state of a running server is measured
    lat, failed = _rounds(route, q["pairs"])
    out = {"build_s": total, "build_rss_mb": peak, "route_ms": lat, "route_failed": failed}
    for key in ("matrix", "matrix_city"):
        coords = [tuple(p) for p in q[key]]
        out[f"{key}_ms"], out[f"{key}_failed"] = _latencies(
            lambda _, c=coords: engine.Table(osrm.TableParameters(coordinates=c)), [0]
        )
    return out


def main() -> int:
    work = Path(sys.argv[1])
    q = json.loads((work / "queries.json").read_text())
    out = {}
    for name, fn in (("valhalla", valhalla_bench), ("osrm_mld", osrm_bench)):
        try:
            res = fn(work, q)
            res["route_p50_ms"] = _pct(res["route_ms"], 50)
            res["route_p99_ms"] = _pct(res["route_ms"], 99)
            del res["route_ms"]
            out[name] = res
        except Exception as exc:  # a peer that fails is reported, not fatal
            out[name] = {"error": str(exc)[:500]}
        print(name, json.dumps(out[name])[:300], flush=True)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (work / "peers.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
