"""The Customizable Contraction Hierarchy (routing/cch.py) against Dijkstra and ALT on synthetic
networks built in memory (jittered grids with one-way streets and turn restrictions): exact costs
with base costs, closures and re-customized costs, unpacked paths that are real, equal to their
cost and never break a turn restriction, the matrix equal to one-to-one searches, and the on-disk
cache; then the whole build on the Monaco import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest

from gis.settings import PROJECT_ROOT
from routing import cch as cchmod
from routing import store
from routing.graph import RoadGraph, SegmentColumns, build_graph
from routing.kernel_args import Csr, Reached, Starts, Tally
from routing.kernels import dijkstra
from routing.landmarks import build_landmarks
from routing.overlay import Overlay
from routing.reach import matrix
from routing.search import Endpoint, Searcher
from routing.service import RoutingState, main_network, prepare_cch


def synthetic(seed: int, width: int = 18, height: int = 14) -> tuple[RoadGraph, set, dict]:
    """A jittered grid with a few diagonals, one-way streets and turn restrictions."""
    rng = np.random.default_rng(seed)
    n = width * height
    lon = 112.9 + (np.arange(n) % width) * 0.01 + rng.uniform(-0.003, 0.003, n)
    lat = 28.1 + (np.arange(n) // width) * 0.01 + rng.uniform(-0.003, 0.003, n)
    pairs = []
    for v in range(n):
        x, y = v % width, v // width
        if x + 1 < width and rng.random() < 0.9:
            pairs.append((v, v + 1))
        if y + 1 < height and rng.random() < 0.9:
            pairs.append((v, v + width))
        if x + 1 < width and y + 1 < height and rng.random() < 0.1:
            pairs.append((v, v + width + 1))
    pairs.append((5, 5 + width))  # a parallel segment
    src = np.array([a for a, _ in pairs], np.int64)
    dst = np.array([b for _, b in pairs], np.int64)
    s = len(pairs)
    length = np.hypot((lon[src] - lon[dst]) * 98_000, (lat[src] - lat[dst]) * 111_000) + 1.0
    coords = np.column_stack([np.stack([lon[src], lon[dst]], 1).ravel(), np.stack([lat[src], lat[dst]], 1).ravel()])
    nan = np.full(s, np.nan)
    cols = SegmentColumns(
        ids=np.arange(1, s + 1, dtype=np.int64),
        source_node=src + 1,
        target_node=dst + 1,
        oneway=rng.random(s) < 0.15,
        speed_kmh=rng.choice([30.0, 50.0, 80.0], s),
        length_m=length,
        road_class=np.full(s, 5, np.int8),
        route=np.full(s, -1, np.int32),
        name=np.full(s, -1, np.int32),
        bridge=np.zeros(s, bool),
        tunnel=np.zeros(s, bool),
        start_stake=nan,
        end_stake=nan.copy(),
        coords=coords,
        ptr=np.arange(0, 2 * s + 1, 2, dtype=np.int64),
        routes=[],
        names=[],
    )
    nodes = [
        SimpleNamespace(id=v + 1, lon=lon[v], lat=lat[v], interchange=False, name=None, ref=None) for v in range(n)
    ]
    by_node: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(pairs):
        by_node.setdefault(a, []).append(i)
        by_node.setdefault(b, []).append(i)
    turns, banned, only = [], set(), {}
    for v in rng.choice(n, size=n // 6, replace=False).tolist():
        segs = by_node.get(v, [])
        if len(segs) < 3:
            continue
        f, t = rng.choice(segs, size=2, replace=False).tolist()
        kind = "only_straight_on" if rng.random() < 0.3 else "no_left_turn"
        turns.append(SimpleNamespace(from_segment=f + 1, via_node=v + 1, to_segment=t + 1, restriction=kind))
        if kind.startswith("only_"):
            only.setdefault((f, v), set()).add(t)
        else:
            banned.add((f, v, t))
    graph = build_graph(cols, nodes, turns)
    graph.base_cost.flags.writeable = False
    return graph, banned, only


@pytest.fixture(scope="module", params=[1, 2])
def net(request):
    graph, banned, only = synthetic(request.param)
    lm = build_landmarks(graph, count=4)
    cch, metric = prepare_cch(graph)
    return SimpleNamespace(graph=graph, banned=banned, only=only, lm=lm, cch=cch, metric=metric)


def _dijkstra(graph: RoadGraph, cost: np.ndarray, sources: list[tuple[int, float]]) -> np.ndarray:
    dist = np.full(graph.n_nodes, np.inf)
    empty = np.empty(0)
    dijkstra(
        tuple(Csr(ptr=graph.fwd_ptr, head=graph.fwd_head, arc=graph.fwd_arc)), cost,
        tuple(Starts(nodes=np.array([s[0] for s in sources], np.int32), secs=np.array([s[1] for s in sources]))),
        np.inf, np.empty(0, np.int32), tuple(Reached(dist=dist, pred=np.full(graph.n_nodes, -1, np.int32))),
        tuple(Tally(per_arc=empty, at_start=empty, reached=empty)),
    )  # fmt: skip
    return dist


def _costs(graph: RoadGraph, rng: np.random.Generator, *, cheaper: bool = True) -> list[np.ndarray]:
    """Base costs, closures, dearer (and cheaper) arcs, and both (ALT needs costs >= base ones)."""
    base = graph.base_cost
    closed = base.copy()
    closed[rng.choice(len(base), size=len(base) // 15, replace=False)] = np.inf
    changed = base * rng.uniform(0.5 if cheaper else 1.0, 3.0, len(base))
    both = changed.copy()
    both[rng.choice(len(base), size=len(base) // 10, replace=False)] = np.inf
    return [base, closed, changed, both]


def _check_arcs(net, arcs: list[int]) -> None:
    """Consecutive arcs meet, and every turn between them is allowed."""
    g = net.graph
    for x, y in zip(arcs, arcs[1:], strict=False):
        v = g.arc_head(x)
        assert v == g.arc_tail(y)
        assert (x >> 1, v, y >> 1) not in net.banned
        assert (x >> 1, v) not in net.only or (y >> 1) in net.only[(x >> 1, v)]


def test_node_to_node_costs_equal_dijkstra_under_changing_costs(net):
    g, cch = net.graph, net.cch
    rng = np.random.default_rng(11)
    ws = cchmod.QueryWorkspace(g.n_nodes)
    checked = 0
    for cost in _costs(g, rng):
        metric = cchmod.customize(cch, cost)
        for s in rng.choice(g.n_nodes, size=12, replace=False).tolist():
            dist = _dijkstra(g, cost, [(s, 0.0)])
            for t in rng.choice(g.n_nodes, size=15, replace=False).tolist():
                found = cchmod.query(cch, metric, ws, np.array([s]), np.zeros(1), np.array([t]), np.zeros(1))
                if found is None:
                    assert np.isinf(dist[t]), (s, t)
                    continue
                assert found.cost_s == pytest.approx(dist[t], rel=1e-12, abs=1e-9)
                arcs = found.arcs.tolist()
                assert sum(cost[a] for a in arcs) == pytest.approx(found.cost_s, rel=1e-12, abs=1e-9)
                _check_arcs(net, arcs)
                if arcs:  # the expanded path: starts at s, each arc leaves the node the last one reached
                    assert s in g.arc_tails[g.arc_tail_ptr[arcs[0]] : g.arc_tail_ptr[arcs[0] + 1]]
                    assert int(g.arc_head_x[arcs[-1]]) == t
                    for x, y in zip(arcs, arcs[1:], strict=False):
                        assert g.arc_head_x[x] in g.arc_tails[g.arc_tail_ptr[y] : g.arc_tail_ptr[y + 1]]
                checked += 1
    assert checked > 300


def test_perfect_weights_are_the_shortest_distances(net):
    g, cch = net.graph, net.cch
    rng = np.random.default_rng(17)
    rank_of = np.empty(g.n_nodes, np.int64)
    rank_of[cch.rank] = np.arange(g.n_nodes)  # expanded node of each CCH node
    for cost in _costs(g, rng):
        metric = cchmod.customize(cch, cost)
        up, down = metric.up_w.copy(), metric.down_w.copy()
        cchmod.k.perfect(cch.up_ptr, cch.up_head, up, down)
        assert (up <= metric.up_w).all() and (down <= metric.down_w).all()
        for low in rng.choice(g.n_nodes, size=25, replace=False).tolist():
            dist = _dijkstra(g, cost, [(int(rank_of[low]), 0.0)])
            for j in range(cch.up_ptr[low], cch.up_ptr[low + 1]):
                assert up[j] == pytest.approx(dist[rank_of[cch.up_head[j]]], rel=1e-12, abs=1e-9)
            back = [_dijkstra(g, cost, [(int(rank_of[cch.up_head[j]]), 0.0)])[rank_of[low]]
                    for j in range(cch.up_ptr[low], cch.up_ptr[low + 1])]  # fmt: skip
            assert down[cch.up_ptr[low] : cch.up_ptr[low + 1]] == pytest.approx(back, rel=1e-12, abs=1e-9)


def test_queries_on_the_search_graph_equal_those_on_every_arc(net):
    g, cch = net.graph, net.cch
    rng = np.random.default_rng(23)
    ws = cchmod.QueryWorkspace(g.n_nodes)
    for cost in _costs(g, rng):
        metric = cchmod.customize(cch, cost)
        pruned = cchmod.customize(cch, cost)
        pruned.search = cchmod.search_graph(cch, pruned)
        kept = len(pruned.search.f_head) + len(pruned.search.b_head)
        assert kept < 2 * cch.n_arcs
        for s, t in rng.choice(g.n_nodes, size=(150, 2)).tolist():
            a = cchmod.query(cch, metric, ws, np.array([s]), np.zeros(1), np.array([t]), np.zeros(1))
            b = cchmod.query(cch, pruned, ws, np.array([s]), np.zeros(1), np.array([t]), np.zeros(1))
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert b.cost_s == pytest.approx(a.cost_s, rel=1e-12, abs=1e-9)
                arcs = b.arcs.tolist()
                assert sum(cost[x] for x in arcs) == pytest.approx(b.cost_s, rel=1e-12, abs=1e-9)
                _check_arcs(net, arcs)


def test_partial_customization_equals_full_one(net):
    g, cch = net.graph, net.cch
    rng = np.random.default_rng(5)
    for cost in _costs(g, rng)[1:]:
        for few in (cost, np.where(rng.random(len(cost)) < 0.01, cost, g.base_cost)):
            full = cchmod.customize(cch, few)
            part = cchmod.recustomize(cch, net.metric, g.base_cost, few, budget=2**62)
            assert part.redone >= 0 or (part is net.metric and np.array_equal(few, g.base_cost))
            for name, arr in full.arrays().items():
                assert np.array_equal(arr, part.arrays()[name]), name


def test_later_overlays_are_customized_into_prepared_memory(net):
    import time

    g = net.graph
    searcher = Searcher(g, net.lm, net.cch, net.metric)
    rng = np.random.default_rng(11)
    first, second = (c.copy() for c in _costs(g, rng)[1:3])
    first.flags.writeable = second.flags.writeable = False
    searcher.metric(first)  # no spare yet: fresh memory, and a spare is prepared in the background
    deadline = time.monotonic() + 30
    while searcher._spare is None and time.monotonic() < deadline:
        time.sleep(0.01)
    spare = searcher._spare
    assert spare is not None
    metric = searcher.metric(second)
    assert metric is spare  # written into the prepared arrays …
    full = cchmod.customize(net.cch, second)
    for name, arr in full.arrays().items():  # … and equal to a customization from scratch
        assert np.array_equal(arr, metric.arrays()[name]), name


def test_an_evicted_metric_no_search_holds_is_recycled(net):
    g = net.graph
    searcher = Searcher(g, net.lm, net.cch, net.metric)
    rng = np.random.default_rng(12)
    costs = []
    for _ in range(4):
        cost = g.base_cost * rng.uniform(1.0, 2.0, len(g.base_cost))
        cost.flags.writeable = False
        costs.append(cost)
    for cost in costs[:3]:  # the third evicts the first (two are kept)
        searcher.metric(cost)
    recycled = searcher._spare
    assert recycled is not None
    metric = searcher.metric(costs[3])
    assert metric is recycled
    for name, arr in cchmod.customize(net.cch, costs[3]).arrays().items():
        assert np.array_equal(arr, metric.arrays()[name]), name


def test_route_equals_alt_and_never_breaks_a_turn_restriction(net):
    g = net.graph
    searcher = Searcher(g, net.lm, net.cch, net.metric)
    rng = np.random.default_rng(3)
    found = 0
    for cost in _costs(g, rng, cheaper=False):
        frozen = cost.copy()
        frozen.flags.writeable = False
        assert searcher.metric(frozen) is not None  # customized now: route() takes the CCH
        for a, b in rng.choice(g.n_segments, size=(60, 2)).tolist():
            start, end = Endpoint(a, float(rng.uniform())), Endpoint(b, float(rng.uniform()))
            one, two = searcher.route(start, end, frozen), searcher.route_alt(start, end, cost)
            assert (one is None) == (two is None), (a, b)
            if one is None or two is None:
                continue
            found += 1
            assert one.cost_s == pytest.approx(two.cost_s, rel=1e-9, abs=1e-9)
            assert sum(share * cost[arc] for arc, share in one.arc_parts()) == pytest.approx(one.cost_s, rel=1e-9)
            _check_arcs(net, one.arcs)
    assert found > 150
    assert len(searcher._metrics) == 2  # the frozen arrays' metrics, cached (the base one apart)


def test_a_new_overlay_is_customized_in_the_background_while_alt_answers(net):
    g = net.graph
    searcher = Searcher(g, net.lm, net.cch, net.metric)
    rng = np.random.default_rng(5)
    cost = _costs(g, rng, cheaper=False)[2]
    frozen = cost.copy()
    frozen.flags.writeable = False
    start, end = Endpoint(3, 0.5), Endpoint(g.n_segments - 4, 0.5)
    first = searcher.route(start, end, frozen)  # never waits for the customization
    reference = searcher.route_alt(start, end, cost)
    assert first is not None and reference is not None
    assert first.cost_s == pytest.approx(reference.cost_s, rel=1e-9)
    metric = searcher.metric(frozen)  # waits for the background customization (or does it)
    assert metric is not None and searcher.metric(frozen, wait=False) is metric
    again = searcher.route(start, end, frozen)
    assert again is not None and again.cost_s == pytest.approx(reference.cost_s, rel=1e-9)
    assert not searcher._pending


def test_matrix_equals_one_to_one_searches(net):
    g = net.graph
    rng = np.random.default_rng(8)
    cost = _costs(g, rng, cheaper=False)[3]
    cost.flags.writeable = False
    overlay = Overlay(cost=cost, at=datetime.now(UTC))
    with_cch = RoutingState(g, net.lm, Searcher(g, net.lm, net.cch, net.metric), main_network(g), ())
    without = RoutingState(g, net.lm, Searcher(g, net.lm), with_cch.preferred, ())
    ends = [Endpoint(int(s), float(f)) for s, f in zip(rng.choice(g.n_segments, 14), rng.uniform(size=14), strict=True)]
    ends.append(Endpoint(ends[0].seg, 0.5))  # two points on one segment
    ref = matrix(without, overlay, ends, ends)
    with_cch.searcher.settle(cost)
    metric = with_cch.searcher.metric(cost)
    assert metric is not None and metric.search is not None
    _check_matrix(g, with_cch, cost, ends, matrix(with_cch, overlay, ends, ends), ref)  # on the search graph
    search, metric.search = metric.search, None
    _check_matrix(g, with_cch, cost, ends, matrix(with_cch, overlay, ends, ends), ref)  # on every arc
    metric.search = search


def _check_matrix(g, with_cch, cost, ends, got, ref) -> None:
    reached = 0
    for i, o in enumerate(ends):
        for j, d in enumerate(ends):
            t, r = got["durations_s"][i][j], ref["durations_s"][i][j]
            assert (t is None) == (r is None)
            if t is None:
                continue
            reached += 1
            assert t == pytest.approx(r, abs=0.051)
            path = with_cch.searcher.route(o, d, cost)
            if path is not None and i != j:
                metres = sum(share * g.seg_length_m[arc >> 1] for arc, share in path.arc_parts())
                assert got["distances_m"][i][j] == pytest.approx(metres, abs=0.051)
    assert reached > 100


def test_cch_cached_on_disk_maps_back_identically(net, tmp_path):
    g = net.graph
    preferred = main_network(g)
    store.save(tmp_path, "net", g, net.lm, preferred)
    store.save_cch(tmp_path, "net", net.cch, net.metric)
    loaded = store.load_cch(tmp_path, "net")
    assert loaded is not None
    cch, metric = loaded
    assert cch.up_head.base is not None  # a mapping, not a copy
    for name, arr in cch.arrays().items():
        assert np.array_equal(arr, net.cch.arrays()[name]), name
    for name, arr in metric.arrays().items():
        assert np.array_equal(arr, net.metric.arrays()[name]), name
    assert metric.search is not None and net.metric.search is not None  # the base metric's search graph too
    for name, arr in metric.search.arrays().items():
        assert np.array_equal(arr, net.metric.search.arrays()[name]), name
    assert store.load_cch(tmp_path, "missing") is None


def test_a_new_overlay_is_customized_from_the_nearest_metric(net):
    g, cch = net.graph, net.cch
    rng = np.random.default_rng(31)
    searcher = Searcher(g, net.lm, cch, net.metric)
    first = g.base_cost * rng.uniform(1.0, 2.0, len(g.base_cost))  # fog caps everywhere, say
    first.flags.writeable = False
    one = searcher.metric(first)
    second = first.copy()
    second[rng.choice(len(first), size=3, replace=False)] = np.inf  # then a closure on top
    second.flags.writeable = False
    source, _ = searcher._nearest(second)
    assert source is one
    got = searcher.metric(second)
    assert got is not None and got is not one
    assert 0 <= got.redone < cch.n_arcs // 4  # a partial update of the closure alone
    expected = cchmod.customize(cch, second)
    for name, arr in got.arrays().items():
        assert np.array_equal(arr, expected.arrays()[name]), name
    back = g.base_cost.copy()  # and back to the base costs: everything cheaper again
    back.flags.writeable = False
    again = searcher.metric(back)
    assert again is not None
    for name, arr in again.arrays().items():
        assert np.array_equal(arr, net.metric.arrays()[name]), name


def test_a_metric_without_a_search_graph_gets_one_in_the_background(net):
    metric = cchmod.customize(net.cch, net.graph.base_cost)
    assert metric.search is None
    searcher = Searcher(net.graph, net.lm, net.cch, metric)  # as a cache written before search graphs
    searcher.settle(net.graph.base_cost)
    assert metric.search is not None
    closed = net.graph.base_cost.copy()
    closed[::7] = np.inf
    closed.flags.writeable = False
    searcher.settle(closed)  # an overlay: customized, then its search graph made
    overlay_metric = searcher.metric(closed)
    assert overlay_metric is not None and overlay_metric.search is not None
    assert overlay_metric.copy().search is None  # a copy's weights may change: it starts without one


def test_monaco_build_routes_like_alt(engine, settings):
    """The whole build (graph, landmarks, CCH) on an OSM import with its turn restrictions."""
    from routing.service import build_state
    from tests.test_routing_exact import load_network, truncate_all

    load_network(engine, settings, "monaco")
    try:
        with engine.connect() as conn:
            state = build_state(conn)
    finally:
        truncate_all(engine)
    g, searcher = state.graph, state.searcher
    assert searcher.cch is not None and g.restrictions > 0
    rng = np.random.default_rng(2)
    cost = g.base_cost.copy()
    cost[rng.choice(len(cost), size=len(cost) // 30, replace=False)] = np.inf
    frozen_base, frozen = g.base_cost.copy(), cost.copy()
    frozen_base.flags.writeable = frozen.flags.writeable = False
    found = 0
    for a, b in rng.choice(np.flatnonzero(state.preferred), size=(80, 2)).tolist():
        for c, f in ((frozen_base, g.base_cost), (frozen, cost)):
            one, two = (
                searcher.route(Endpoint(a, 0.3), Endpoint(b, 0.6), c),
                searcher.route_alt(Endpoint(a, 0.3), Endpoint(b, 0.6), f),
            )
            assert (one is None) == (two is None)
            if one is not None and two is not None:
                found += 1
                assert one.cost_s == pytest.approx(two.cost_s, rel=1e-9, abs=1e-9)
    assert found > 100


def test_a_main_thread_waiting_on_a_lock_still_takes_sigterm_after_metis_ran_in_a_thread():
    """A granian worker waits on an Event in its main thread for SIGTERM while a thread rebuilds the
    graph; METIS must leave SIGTERM interrupting that wait (it re-installed it with SA_RESTART)."""
    script = textwrap.dedent(
        """
        import os, signal, threading, time
        import numpy as np
        from routing.cch import nested_dissection

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        n = 400
        a = np.arange(n - 1, dtype=np.int64)
        build = threading.Thread(target=nested_dissection, args=(n, a, a + 1))
        build.start()
        build.join()
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
        stop.wait()  # untimed, as granian's worker waits: a timed wait wakes up anyway
        print("stopped")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd=PROJECT_ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the main thread never ran its SIGTERM handler")
    assert done.stdout.strip() == "stopped", done.stderr
