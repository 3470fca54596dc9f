"""Build the peers' routing data for the HTTP route benchmark (bench/route_http_bench.py): Valhalla tiles
and an OSRM contraction hierarchy from one .osm.pbf. Runs in bench/.venv-peers (Python 3.12, pyvalhalla
3.9.1, osrm-bindings 26.10.0; see ../shared/docs/peers.md). Nothing is downloaded.

    bench/.venv-peers/bin/python bench/route_http_peers.py WORKDIR NETWORK.osm.pbf [--osrm]

WORKDIR/valhalla.json and WORKDIR/osrm/network.osrm* are written, with WORKDIR/peers_build.json
recording the build times; a build already made from the same .osm.pbf (same sha256) is reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _run(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def build_valhalla(work: Path, pbf: Path) -> float:
    import valhalla

    tiles = work / "valhalla_tiles"
    shutil.rmtree(tiles, ignore_errors=True)
    tiles.mkdir(parents=True)
    config = valhalla.get_config(tile_extract="", tile_dir=tiles)
    config["mjolnir"]["concurrency"] = 2
    # The service's own sockets in WORKDIR, not the shared /tmp defaults (other servers may use them);
    # route_http_bench.py sets the listening port when it starts the service.
    config["httpd"]["service"]["loopback"] = f"ipc://{work / 'valhalla_loopback'}"
    config["httpd"]["service"]["interrupt"] = f"ipc://{work / 'valhalla_interrupt'}"
    (work / "valhalla.json").write_text(json.dumps(config, indent=1))
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return _run([str(bindir / "valhalla_build_tiles"), "-c", str(work / "valhalla.json"), str(pbf)], env)


def build_osrm_ch(work: Path, pbf: Path) -> float:
    import osrm

    pkg = Path(osrm.__file__).parent
    bindir, profile = pkg / "bin", pkg / "share" / "profiles" / "car.lua"
    folder = work / "osrm"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = folder / "network.osm.pbf"  # OSRM names its files by replacing ".osm.pbf" in this path
    shutil.copyfile(pbf, base)
    data = str(folder / "network.osrm")
    total = _run([str(bindir / "osrm-extract"), "-p", str(profile), "-t", "2", str(base)])
    total += _run([str(bindir / "osrm-contract"), "-t", "2", data])
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("work", type=Path)
    ap.add_argument("pbf", type=Path)
    ap.add_argument("--osrm", action="store_true", help="also contract OSRM's CH (hours on the province)")
    args = ap.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(args.pbf.read_bytes()).hexdigest()
    stamp = work / "peers_build.json"
    done = json.loads(stamp.read_text()) if stamp.exists() else {}
    if done.get("sha256") != digest:
        done = {"sha256": digest}
    if "valhalla_s" not in done:
        done["valhalla_s"] = build_valhalla(work, args.pbf)
        stamp.write_text(json.dumps(done))
    if args.osrm and "osrm_ch_s" not in done:
        done["osrm_ch_s"] = build_osrm_ch(work, args.pbf)
        stamp.write_text(json.dumps(done))
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
