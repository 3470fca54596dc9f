"""The built graph on disk (var/routing/…): `daoan routing build` writes it, server workers map it.

One directory per network (database fingerprint + layer versions) of plain .npy files, opened
with mmap so that every worker process shares the same pages; nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from numba import njit
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql
from routing.cch import CCH, Metric, SearchGraph
from routing.graph import RoadGraph
from routing.landmarks import Landmarks

log = logging.getLogger(__name__)
FORMAT = 2  # 2: the base metric's search graph (search_*.npy)
KEEP = 4  # cached networks kept; older ones are removed


def network_id(conn: Connection, versions: dict[str, int]) -> str:
    """A stable name for the network in the database behind `conn` at these versions."""
    row = conn.execute(sa.text(load_sql("queries/routing_fingerprint.sql"))).one()
    network = sorted((k, v) for k, v in versions.items() if k in ("road_segments", "road_nodes", "turn_restrictions"))
    text = json.dumps([FORMAT, [str(v) for v in row], network])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save(root: Path, ident: str, graph: RoadGraph, landmarks: Landmarks, preferred: np.ndarray) -> Path:
    """Write the graph as .npy files under root/ident (atomically: a temp dir renamed)."""
    final = root / ident
    tmp = root / f".{ident}.{os.getpid()}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    meta = {
        "routes": graph.routes,
        "names": graph.names,
        "node_label": graph.node_label,
        "restrictions": graph.restrictions,
        "versions": graph.versions,
        "built_s": graph.built_s,
        "landmarks_built_s": landmarks.built_s,
    }
    for f in fields(graph):
        value = getattr(graph, f.name)
        if isinstance(value, np.ndarray):
            np.save(tmp / f"{f.name}.npy", value)
    np.save(tmp / "lm_nodes.npy", landmarks.nodes)
    np.save(tmp / "lm_from.npy", landmarks.lm_from)
    np.save(tmp / "lm_to.npy", landmarks.lm_to)
    np.save(tmp / "preferred.npy", preferred)
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    if final.exists():
        shutil.rmtree(tmp, ignore_errors=True)
        return final
    os.replace(tmp, final)
    _prune(root)
    return final


def load(root: Path, ident: str) -> tuple[RoadGraph, Landmarks, np.ndarray] | None:
    """The graph cached under root/ident, memory-mapped; None when there is none (or it is unreadable)."""
    path = root / ident
    if not (path / "meta.json").exists():
        return None
    t0 = time.perf_counter()
    try:
        meta = json.loads((path / "meta.json").read_text())
        arrays = {f.name: _map(path / f"{f.name}.npy") for f in fields(RoadGraph) if (path / f"{f.name}.npy").exists()}
        graph = RoadGraph(
            **arrays,
            routes=meta["routes"],
            names=meta["names"],
            node_label=meta["node_label"],
            restrictions=meta["restrictions"],
            versions=meta["versions"],
            built_s=meta["built_s"],
        )
        lm = Landmarks(
            np.load(path / "lm_nodes.npy"),
            _map(path / "lm_from.npy"),
            _map(path / "lm_to.npy"),
            meta["landmarks_built_s"],
        )
        preferred = np.load(path / "preferred.npy")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("routing cache %s unreadable (%s); rebuilding", path, exc)
        return None
    graph.landmarks = lm
    os.utime(path)  # most recently used: pruned last
    log.info("routing graph mapped from %s in %.2fs", path, time.perf_counter() - t0)
    return graph, lm, preferred


def save_cch(root: Path, ident: str, cch: CCH, metric: Metric) -> None:
    """Add the CCH and its base metric to the cached graph root/ident (cch_*.npy, metric_*.npy and
    cch.json last, written to temporary names and renamed, so a reader sees all or nothing)."""
    path = root / ident
    if not (path / "meta.json").exists():
        return
    tmp = f".{os.getpid()}.tmp"
    written = []
    parts = [("cch_", cch.arrays()), ("metric_", metric.arrays())]
    if metric.search is not None:
        parts.append(("search_", metric.search.arrays()))
    for prefix, arrays in parts:
        for name, value in arrays.items():
            final = path / f"{prefix}{name}.npy"
            with open(path / f"{prefix}{name}.npy{tmp}", "wb") as fh:
                np.save(fh, value)
            written.append((path / f"{prefix}{name}.npy{tmp}", final))
    for src, dst in written:
        os.replace(src, dst)
    meta = {"built_s": cch.built_s, "metric_built_s": metric.built_s}
    if metric.search is not None:
        meta["search_built_s"] = metric.search.built_s
    (path / f"cch.json{tmp}").write_text(json.dumps(meta))
    os.replace(path / f"cch.json{tmp}", path / "cch.json")


def load_cch(root: Path, ident: str) -> tuple[CCH, Metric] | None:
    """The CCH and base metric cached with the graph root/ident, memory-mapped; None when absent."""
    path = root / ident
    if not (path / "cch.json").exists():
        return None
    try:
        meta = json.loads((path / "cch.json").read_text())
        cch = CCH(
            **{f.name: _map(path / f"cch_{f.name}.npy") for f in fields(CCH) if f.name != "built_s"},
            built_s=meta["built_s"],
        )
        metric = Metric.of(*(_map(path / f"metric_{f.name}.npy") for f in fields(Metric) if f.type == "np.ndarray"))
        metric.built_s = meta["metric_built_s"]
        if "search_built_s" in meta:  # caches written before search graphs have none: made in the background
            metric.search = SearchGraph(
                **{f.name: _map(path / f"search_{f.name}.npy") for f in fields(SearchGraph) if f.name != "built_s"},
                built_s=meta["search_built_s"],
            )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("routing CCH cache %s unreadable (%s); rebuilding", path, exc)
        return None
    return cch, metric


def prefault_in_background(arrays: list[np.ndarray]) -> None:
    """Map every page of memory-mapped `arrays` in a background thread (one byte read per page, the
    GIL released), so that the first customization and the first searches of a freshly started
    worker do not pay a page fault for each page they touch (0.3 s on an expressway closure here)."""

    def run() -> None:
        for a in arrays:
            if a.flags.c_contiguous and a.size:
                _touch_pages(a.reshape(-1).view(np.uint8), 4096)

    threading.Thread(target=run, daemon=True, name="daoan-routing-prefault").start()


@njit(cache=True, nogil=True)
def _touch_pages(data, step):  # pragma: no cover - compiled
    total = 0
    for i in range(0, data.shape[0], step):
        total += data[i]
    return total


def _map(path: Path) -> np.ndarray:
    """A copy-on-write mapping of an .npy file as a plain ndarray: pages shared between workers, and
    the same (writable) array type as a freshly built graph, so compiled kernels are reused and
    slicing costs no np.memmap overhead."""
    return np.load(path, mmap_mode="c").view(np.ndarray)


def _prune(root: Path) -> None:
    dirs = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in dirs[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
