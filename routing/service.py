"""The router a server process holds: graph, landmarks and live overlay, kept current cheaply.

Every request looks up the layer versions the process keeps (gis/versions.py: no query while they are
fresh). A change to the road network
rebuilds the graph (in the background for large graphs, serving the previous one meanwhile); a
change to incidents, weather or hazards rebuilds only the overlay (a cost array), so a write made
through any worker is honoured by the next request in every worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy.engine import Connection, Engine

from gis.db import connect
from gis.errors import DaoanError
from gis.settings import Settings
from gis.versions import LayerVersions
from routing import store
from routing.cch import CCH, Metric, build_cch, customize, search_graph
from routing.graph import RoadGraph, load_graph
from routing.landmarks import Landmarks, build_landmarks
from routing.overlay import HazardIndex, Overlay, build_overlay, empty_overlay, load_hazard_index
from routing.search import Searcher

log = logging.getLogger(__name__)

NETWORK_LAYERS = ("road_segments", "road_nodes", "turn_restrictions")
LIVE_LAYERS = ("incidents", "weather_observations", "hazard_zones", "toll_stations", "weather_stations", "warnings")
ROUTING_LAYERS = NETWORK_LAYERS + LIVE_LAYERS
BACKGROUND_REBUILD_SEGMENTS = 200_000
CACHE_MIN_SEGMENTS = 50_000  # smaller graphs build in about a second: not worth a file
BUILD_WAIT_S = 5.0  # longest a request to a served worker waits for a graph being built (then 503)


class RoutingBuilding(DaoanError):
    """The routing data is being built: 503 with Retry-After."""

    status = 503
    title = "Routing data not ready"


@dataclass
class RoutingState:
    """One built graph with its landmarks and searcher."""

    graph: RoadGraph
    landmarks: Landmarks
    searcher: Searcher
    preferred: np.ndarray  # per segment: on the main strongly connected network
    network_key: tuple


def main_network(graph: RoadGraph) -> np.ndarray:
    """Boolean per segment: both ends lie in the largest strongly connected part of the graph."""
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0, dtype=bool)
    m = csr_matrix((np.ones(graph.n_edges, dtype=np.int8), graph.fwd_head, graph.fwd_ptr), shape=(n, n))
    _, labels = connected_components(m, directed=True, connection="strong")
    main = np.bincount(labels).argmax()
    # An arc is usable when both its tail and its head lie in the main part: a point on it can
    # be both left and reached.
    ok = (labels[graph.fwd_tail] == main) & (labels[graph.fwd_head] == main)
    arc_ok = np.zeros(2 * graph.n_segments, dtype=bool)
    arc_ok[graph.fwd_arc[ok]] = True
    return arc_ok[0::2] | arc_ok[1::2]


def build_state(
    conn: Connection, *, versions: dict[str, int] | None = None, landmarks: int = 16, cache_dir: Path | None = None
) -> RoutingState:
    """The graph, landmarks and main-network mask: mapped from `cache_dir` when built before, else
    built from the database (and written there for the other workers and the next start)."""
    versions = versions or read_versions(conn)
    ident = store.network_id(conn, versions) if cache_dir is not None else ""
    if cache_dir is not None:
        cached = store.load(cache_dir, ident)
        if cached is not None:
            graph, lm, preferred = cached
            mapped = store.load_cch(cache_dir, ident)
            if mapped is None:  # a cache written before the CCH existed: add it
                mapped = prepare_cch(graph)
                _save_cch(cache_dir, ident, *mapped)
            else:
                search = mapped[1].search
                store.prefault_in_background(
                    [
                        *mapped[0].arrays().values(),
                        *mapped[1].arrays().values(),
                        *(search.arrays().values() if search is not None else ()),
                    ]
                )
            searcher = Searcher(graph, lm, *mapped)
            return RoutingState(graph, lm, searcher, preferred, network_key(versions))
    graph = load_graph(conn, versions=versions)
    lm = build_landmarks(graph, count=landmarks)
    graph.landmarks = lm
    cch, metric = prepare_cch(graph)
    state = RoutingState(graph, lm, Searcher(graph, lm, cch, metric), main_network(graph), network_key(versions))
    if cache_dir is not None and graph.n_segments >= CACHE_MIN_SEGMENTS:
        try:
            store.save(cache_dir, ident, graph, lm, state.preferred)
        except OSError as exc:  # a read-only var/ only costs the other workers a build
            log.warning("routing graph not cached in %s: %s", cache_dir, exc)
        else:
            _save_cch(cache_dir, ident, cch, metric)
    _release_memory()
    return state


def prepare_cch(graph: RoadGraph) -> tuple[CCH, Metric]:
    """The graph's CCH and its metric of the base costs (customized once per build)."""
    cch = build_cch(graph)
    metric = customize(cch, graph.base_cost)
    search = metric.search = search_graph(cch, metric)
    log.info(
        "routing CCH: %d arcs, elimination tree height %d, %.0f MiB + %.0f MiB metric + %.0f MiB search graph "
        "(%d + %d arcs); preprocessed %.2fs, customized %.2fs, search graph %.2fs",
        cch.n_arcs,
        cch.depth(),
        cch.memory_bytes() / 2**20,
        metric.memory_bytes() / 2**20,
        search.memory_bytes() / 2**20,
        len(search.f_head),
        len(search.b_head),
        cch.built_s,
        metric.built_s,
        search.built_s,
    )
    return cch, metric


def _save_cch(cache_dir: Path, ident: str, cch: CCH, metric: Metric) -> None:
    try:
        store.save_cch(cache_dir, ident, cch, metric)
    except OSError as exc:
        log.warning("routing CCH not cached in %s: %s", cache_dir, exc)


def _release_memory() -> None:
    """Hand the build's freed memory back to the system (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def read_versions(conn: Connection) -> dict[str, int]:
    """The layer versions as the database has them now (graph builds, commands)."""
    return LayerVersions.read(conn)


def network_key(versions: dict[str, int]) -> tuple:
    """The part of the versions that identifies the road network."""
    return tuple(versions.get(k, 0) for k in NETWORK_LAYERS)


def live_key(versions: dict[str, int], *, incidents: bool = True, hazards: bool = True) -> tuple:
    """The part of the versions that identifies a live overlay (with or without incidents, weather)."""
    wanted = {"incidents", "toll_stations"} if incidents else set()
    wanted |= {"hazard_zones", "warnings"}  # what a route warns of, with the weather or without it (ignore=weather)
    if hazards:
        wanted |= {"weather_observations", "weather_stations"}
    return tuple(versions.get(k, 0) if k in wanted else 0 for k in LIVE_LAYERS)


class Router:
    """Per-process routing state, refreshed on demand from layer versions."""

    def __init__(self, engine: Engine, settings: Settings, versions: LayerVersions | None = None):
        self.engine = engine
        self.settings = settings
        # The process's one view of the layer versions (the composition root's); alone (a command, a
        # benchmark), one that reads the table at every lookup.
        self.layer_versions = versions or LayerVersions(engine, ttl_s=0.0, listen=False)
        self._state: RoutingState | None = None
        self._lock = threading.Lock()
        self._building: threading.Event | None = None  # set when the build running now ends
        self._failed: tuple[tuple, float] | None = None  # network key of the last failed build, when
        self.build_wait_s: float | None = None  # a serving worker sets BUILD_WAIT_S
        self._overlays: OrderedDict[tuple, Overlay] = OrderedDict()
        self._hazards: tuple[tuple, HazardIndex] | None = None
        self.cache_dir: Path | None = settings.var_dir / "routing"
        self._olock = threading.Lock()
        # versions(): the routing layers' versions made from one read of the process's versions (by identity)
        self._seen: tuple[object, dict[str, int]] | None = None
        # for_request(): its last answer per (incidents, hazards, base) for requests at the present time,
        # with the versions and graph it was made under (issue 12: ~50 µs a route of lookups and keys)
        self._answers: dict[tuple, tuple[dict[str, int], RoutingState, Overlay, Overlay | None]] = {}

    def close(self) -> None:
        """Nothing of its own to close: the engine and the versions are the composition root's."""

    # ------------------------------------------------------------------ graph
    def state(self, conn: Connection, versions: dict[str, int] | None = None) -> RoutingState:
        """The current graph, rebuilt when the road network's versions changed. A large graph is
        rebuilt in the background while the previous one serves; otherwise the build runs in a
        background thread that a request waits for at most `build_wait_s`, and then gets
        RoutingBuilding (503, Retry-After) rather than hanging."""
        versions = versions if versions is not None else read_versions(conn)
        key = network_key(versions)
        state = self._state
        if state is not None and state.network_key == key:
            return state
        if state is not None and state.graph.n_segments >= BACKGROUND_REBUILD_SEGMENTS:
            self._rebuild_in_background(versions)
            return state
        done = self._rebuild_in_background(versions)
        if not done.wait(self.build_wait_s):  # None: as long as it takes
            raise RoutingBuilding(
                "the routing data is being built (after a change to the road network); try again in a few seconds",
                detail_zh="路网变更后正在重建路径规划数据，请数秒后重试",
            )
        state = self._state
        if state is None or state.network_key != key:  # the build failed, or the network moved on again
            if self._failed is not None and self._failed[0] == key:
                raise RoutingBuilding(
                    "the routing data could not be built; see the server log",
                    detail_zh="路径规划数据未能建成，请联系系统管理员查看服务器日志",
                )
            return self.state(conn)
        return state

    def _rebuild_in_background(self, versions: dict[str, int]) -> threading.Event:
        """Start building the graph of `versions` in a thread (unless a build runs already); the
        event returned is set when the running build ends."""
        with self._lock:
            if self._building is not None:
                return self._building
            done = self._building = threading.Event()

        def run() -> None:
            t0 = time.perf_counter()
            try:
                with connect(self.engine) as conn:
                    state = build_state(conn, versions=versions, cache_dir=self.cache_dir)
                with self._lock:
                    self._state = state
                with self._olock:
                    self._overlays.clear()
                log.info("routing graph ready in %.2fs", time.perf_counter() - t0)
            except Exception:  # logged; the previous graph keeps serving
                self._failed = (network_key(versions), time.monotonic())
                log.exception("routing graph rebuild failed")
            finally:
                with self._lock:
                    self._building = None
                done.set()

        threading.Thread(target=run, name="routing-rebuild", daemon=True).start()
        return done

    def build_now(self) -> RoutingState:
        """Build (or rebuild) the graph at once; used at start-up and by `daoan routing build`."""
        with connect(self.engine) as conn:
            versions = read_versions(conn)
            with self._lock:
                self._state = build_state(conn, versions=versions, cache_dir=self.cache_dir)
        return self._state

    # ---------------------------------------------------------------- overlay
    def overlay(
        self,
        conn: Connection,
        state: RoutingState,
        versions: dict[str, int],
        *,
        at: datetime | None = None,
        incidents: bool = True,
        hazards: bool = True,
    ) -> Overlay:
        """The live overlay at `at` (now by default), cached until a version or the clock moves on."""
        when = at or datetime.now(UTC)
        key, ov = self._cached_overlay(state, versions, when, at=at, incidents=incidents, hazards=hazards)
        if ov is not None:
            return ov
        s = self.settings
        hkey = (state.network_key, versions.get("hazard_zones", 0))
        cached = self._hazards
        if cached is None or cached[0] != hkey:
            cached = self._hazards = (hkey, load_hazard_index(conn, state.graph))
        ov = build_overlay(
            conn,
            state.graph,
            when,
            observation_valid_s=s.observation_valid_min * 60,
            fog_radius_m=s.fog_station_radius_m,
            incidents=incidents,
            hazards=hazards,
            hazard_index=cached[1],
        )
        ov.cost.flags.writeable = False  # frozen: the searcher caches its CCH metric by identity
        with self._olock:
            self._overlays[key] = ov
            while len(self._overlays) > 16:
                self._overlays.popitem(last=False)
        if at is None and incidents and hazards:
            state.searcher.metric(ov.cost, wait=False)  # what is in force now: customize it at once
        return ov

    def _cached_overlay(
        self, state: RoutingState, versions: dict[str, int], when: datetime, *, at: datetime | None, incidents: bool,
        hazards: bool,
    ) -> tuple[tuple, Overlay | None]:  # fmt: skip
        """The overlay cache's key for these arguments and the overlay cached under it, if still valid."""
        bucket = None if at is None else int(when.timestamp() // 60)
        key = (state.network_key, live_key(versions, incidents=incidents, hazards=hazards), incidents, hazards, bucket)
        with self._olock:
            ov = self._overlays.get(key)
            if ov is not None and (ov.valid_until is None or ov.valid_until > when):
                self._overlays.move_to_end(key)
                return key, ov
        return key, None

    def versions(self) -> dict[str, int]:
        """The versions of the layers routing depends on, as the process knows them (gis/versions.py:
        announced by NOTIFY within milliseconds, re-read after at most tile_version_ttl_s). Only those
        layers are looked up: a derived layer's refresher (coverage_gaps) runs when its version is
        read, and a route has no business waiting for it."""
        lv = self.layer_versions
        if any(lv.is_derived(layer) for layer in ROUTING_LAYERS):  # not so today: looked up one by one
            current = lv.current()
            return {layer: current[layer] for layer in ROUTING_LAYERS if layer in current}
        plain = lv.plain()
        seen = self._seen
        if seen is not None and seen[0] is plain:  # nothing read since: the same dict
            return seen[1]
        versions = {layer: plain[layer] for layer in ROUTING_LAYERS if layer in plain}
        self._seen = (plain, versions)
        return versions

    def for_request(
        self, *, at: datetime | None = None, incidents: bool = True, hazards: bool = True, base: bool = False
    ) -> tuple[RoutingState, Overlay, Overlay | None]:
        """Graph, overlay and (with `base`, when incidents act) the overlay without incidents, for a
        request: the version query, then a database connection only when something must be rebuilt."""
        versions = self.versions()
        state = self._state
        when = at or datetime.now(UTC)
        memo_key = (incidents, hazards, base)
        memo = self._answers.get(memo_key) if at is None else None
        if (
            memo is not None
            and memo[0] is versions
            and memo[1] is state
            and all(o is None or o.valid_until is None or o.valid_until > when for o in memo[2:])
        ):
            return memo[1], memo[2], memo[3]
        found = self._for_request(versions, state, when, at=at, incidents=incidents, hazards=hazards, base=base)
        if at is None and found[0].network_key == network_key(versions):  # not while a rebuild is due
            self._answers[memo_key] = (versions, *found)
        return found

    def _for_request(
        self, versions: dict[str, int], state: RoutingState | None, when: datetime, *, at: datetime | None,
        incidents: bool, hazards: bool, base: bool,
    ) -> tuple[RoutingState, Overlay, Overlay | None]:  # fmt: skip
        if state is not None and state.network_key == network_key(versions):
            _, ov = self._cached_overlay(state, versions, when, at=at, incidents=incidents, hazards=hazards)
            if ov is not None and not (base and incidents and ov.arc_incidents):
                return state, ov, None
            if ov is not None:
                _, free = self._cached_overlay(state, versions, when, at=at, incidents=False, hazards=hazards)
                if free is not None:
                    return state, ov, free
        with connect(self.engine) as conn:
            state = self.state(conn, versions)
            ov = self.overlay(conn, state, versions, at=at, incidents=incidents, hazards=hazards)
            without = None
            if base and incidents and ov.arc_incidents:
                without = self.overlay(conn, state, versions, at=at, incidents=False, hazards=hazards)
        return state, ov, without

    def current(
        self, conn: Connection, *, at: datetime | None = None, incidents: bool = True
    ) -> tuple[RoutingState, Overlay]:
        """Graph and overlay for a request: one version query, rebuilds only what changed."""
        versions = read_versions(conn)
        state = self.state(conn, versions)
        return state, self.overlay(conn, state, versions, at=at, incidents=incidents)

    def base_overlay(self, state: RoutingState) -> Overlay:
        """No incidents, no weather."""
        return empty_overlay(state.graph, datetime.now(UTC))
