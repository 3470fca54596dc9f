"""Exactness on the Monaco import: route costs equal pgRouting's pgr_dijkstra on the same edge
weights (with and without closures); turn restrictions are never broken (checked against an
edge-based networkx search). test_routing_demo.py runs the same checks on the small demo."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import networkx as nx
import numpy as np
import pytest
import sqlalchemy as sa

from tests.conftest import DATA, truncate_all

PAIRS = 60


def load_network(engine, settings, name: str) -> None:
    truncate_all(engine)
    """Replace the data with the Monaco import or the small demo, and enable pgRouting."""
    if name == "monaco":
        from layers.ingest.osm import import_osm

        import_osm(engine, settings, DATA / "monaco.osm.pbf", replace=True)
    else:
        from layers.demo import load_demo

        load_demo(engine, settings, size="small", seed=2017)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgrouting"))


@pytest.fixture(scope="module")
def network(engine, settings):
    load_network(engine, settings, "monaco")
    yield engine
    truncate_all(engine)


def _state(engine, *, turns: bool):
    from routing.graph import load_graph
    from routing.landmarks import build_landmarks
    from routing.search import Searcher
    from routing.service import main_network

    with engine.connect() as conn:
        graph = load_graph(conn, turn_restrictions=turns)
    lm = build_landmarks(graph)
    return graph, Searcher(graph, lm), main_network(graph)


def _pairs(graph, main, seed: int, count: int = PAIRS) -> list[tuple[int, int]]:
    nodes = np.unique(np.concatenate([graph.seg_source[main], graph.seg_target[main]]))
    rng = np.random.default_rng(seed)
    return [(int(a), int(b)) for a, b in rng.choice(nodes, size=(count, 2)) if a != b]


def _pgr_costs(engine, graph, cost: np.ndarray, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """pgr_dijkstraCost on the graph's own arc costs (-1 = no edge that way)."""
    fwd = np.where(np.isfinite(cost[0::2]), cost[0::2], -1.0)
    bwd = np.where(np.isfinite(cost[1::2]), cost[1::2], -1.0)
    rows = [
        {
            "id": i + 1,
            "s": int(graph.node_ids[graph.seg_source[i]]),
            "t": int(graph.node_ids[graph.seg_target[i]]),
            "c": float(fwd[i]),
            "r": float(bwd[i]),
        }
        for i in range(graph.n_segments)
    ]
    combos = [{"s": int(graph.node_ids[a]), "t": int(graph.node_ids[b])} for a, b in pairs]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TEMP TABLE pgr_edges (id bigint, source bigint, target bigint, cost float8, "
                "reverse_cost float8) ON COMMIT DROP"
            )
        )
        conn.execute(sa.text("INSERT INTO pgr_edges VALUES (:id, :s, :t, :c, :r)"), rows)
        conn.execute(sa.text("CREATE TEMP TABLE pgr_pairs (source bigint, target bigint) ON COMMIT DROP"))
        conn.execute(sa.text("INSERT INTO pgr_pairs VALUES (:s, :t)"), combos)
        result = conn.execute(
            sa.text(
                "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost("
                "'SELECT id, source, target, cost, reverse_cost FROM pgr_edges', "
                "'SELECT source, target FROM pgr_pairs', true)"
            )
        ).all()
    index = {int(v): i for i, v in enumerate(graph.node_ids)}
    return {(index[r.start_vid], index[r.end_vid]): float(r.agg_cost) for r in result}


def _assert_equal_to_pgr(engine, graph, searcher, cost, pairs):
    ref = _pgr_costs(engine, graph, cost, pairs)
    checked = 0
    for a, b in pairs:
        ours = searcher.route_nodes(a, b, cost)
        theirs = ref.get((a, b), np.inf)
        if np.isinf(theirs):
            assert np.isinf(ours), (a, b, ours)
            continue
        assert ours == pytest.approx(theirs, rel=1e-3), (a, b)
        checked += 1
    assert checked >= len(pairs) // 2


def test_costs_equal_pgr_dijkstra_without_closures(network):
    graph, searcher, main = _state(network, turns=False)
    _assert_equal_to_pgr(network, graph, searcher, graph.base_cost, _pairs(graph, main, 1))


def test_costs_equal_pgr_dijkstra_with_closures_and_caps(network):
    check_with_closures(network, PAIRS)


def check_with_closures(monaco, pairs: int) -> None:
    """Close or cap 40 random segments with incidents and compare with pgr_dijkstra."""
    from routing.overlay import build_overlay

    graph, searcher, main = _state(monaco, turns=False)
    rng = np.random.default_rng(7)
    picks = rng.choice(np.flatnonzero(main), size=40, replace=False)
    with monaco.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes RESTART IDENTITY"))
        for n, i in enumerate(picks.tolist()):
            mid = graph.linestring(i).interpolate(0.5, normalized=True)
            conn.execute(
                sa.text(
                    "INSERT INTO incidents (kind, effect, speed_cap_kmh, direction, created_by, updated_by, geom) "
                    "VALUES ('accident', :effect, :cap, :dir, 'test', 'test', "
                    "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326))"
                ),
                {
                    "effect": "closed" if n % 3 else "restricted",
                    "cap": None if n % 3 else 10,
                    "dir": ("both", "forward", "backward")[n % 3],
                    "g": json.dumps(mid.__geo_interface__),
                },
            )
        overlay = build_overlay(conn, graph, datetime.now(UTC), hazards=False)
    try:
        assert len(overlay.closed_incidents) > 10
        assert np.isinf(overlay.cost).sum() > np.isinf(graph.base_cost).sum()
        _assert_equal_to_pgr(monaco, graph, searcher, overlay.cost, _pairs(graph, main, 2, pairs))
    finally:
        with monaco.begin() as conn:
            conn.execute(sa.text("TRUNCATE incidents, incident_changes RESTART IDENTITY"))


def _turn_rules(engine, graph):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT restriction, from_segment, via_node, to_segment FROM turn_restrictions")
        ).all()
    assert rows, "the Monaco extract has turn restrictions"
    seg = {int(s): i for i, s in enumerate(graph.seg_ids)}
    node = {int(v): i for i, v in enumerate(graph.node_ids)}
    banned, only = set(), {}
    for r in rows:
        f, v, t = seg[r.from_segment], node[r.via_node], seg[r.to_segment]
        if r.restriction.startswith("only_"):
            only.setdefault((f, v), set()).add(t)
        else:
            banned.add((f, v, t))
    return banned, only


def _allowed(graph, banned, only, a: int, b: int) -> bool:
    v = graph.arc_head(a)
    f, t = a >> 1, b >> 1
    if (f, v, t) in banned:
        return False
    return (f, v) not in only or t in only[(f, v)]


def test_turn_restrictions_are_never_broken_and_costs_are_optimal(network):
    monaco = network
    graph, searcher, main = _state(monaco, turns=True)
    banned, only = _turn_rules(monaco, graph)
    cost = graph.base_cost
    # Edge-based reference: a node per arc, an edge per allowed turn.
    lg = nx.DiGraph()
    arcs = np.flatnonzero(np.isfinite(cost)).tolist()
    by_tail: dict[int, list[int]] = {}
    for a in arcs:
        by_tail.setdefault(graph.arc_tail(a), []).append(a)
    for a in arcs:
        lg.add_edge(("start", graph.arc_tail(a)), a, weight=cost[a])
        lg.add_edge(a, ("end", graph.arc_head(a)), weight=0.0)
        for b in by_tail.get(graph.arc_head(a), []):
            if _allowed(graph, banned, only, a, b):
                lg.add_edge(a, b, weight=cost[b])
    restricted_vias = {v for (_, v, _) in banned} | {v for (_, v) in only}
    pairs = _pairs(graph, main, 3)
    # Pairs through restricted junctions too: from near a restriction's from-segment.
    rng = np.random.default_rng(4)
    for v in list(restricted_vias)[:20]:
        pairs.append((int(rng.choice(len(graph.node_ids))), v))
        pairs.append((v, int(rng.choice(len(graph.node_ids)))))
    from_keys = {(f, v) for (f, v, _) in banned} | set(only)
    through = 0
    for a, b in pairs:
        if a == b:
            continue
        path = searcher.path_nodes(a, b, cost)
        try:
            ref = nx.dijkstra_path_length(lg, ("start", a), ("end", b))
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            ref = np.inf
        if path is None:
            assert np.isinf(ref), (a, b)
            continue
        assert path.cost_s == pytest.approx(ref, rel=1e-6, abs=1e-6), (a, b)
        for x, y in zip(path.arcs, path.arcs[1:], strict=False):
            assert graph.arc_head(x) == graph.arc_tail(y)
            assert _allowed(graph, banned, only, x, y), (x, y)
            through += (x >> 1, graph.arc_head(x)) in from_keys
    assert through > 0, "no path passed a restricted turn: the check proved nothing"


def test_bidirectional_search_equals_one_way_search_with_closures(network):
    """route() (bidirectional ALT) finds the same costs as the one-way A* on random points and closures."""
    from routing.search import Endpoint

    graph, searcher, main = _state(network, turns=True)
    rng = np.random.default_rng(9)
    cost = graph.base_cost.copy()
    cost[rng.choice(len(cost), size=len(cost) // 40, replace=False)] = np.inf
    segs = rng.choice(np.flatnonzero(main), size=(150, 2))
    fractions = rng.uniform(0, 1, size=(150, 2))
    found = 0
    for (a, b), (fa, fb) in zip(segs.tolist(), fractions.tolist(), strict=True):
        start, end = Endpoint(a, fa), Endpoint(b, fb)
        two, one = searcher.route(start, end, cost), searcher.route_unidirectional(start, end, cost)
        assert (two is None) == (one is None)
        if two is None:
            continue
        found += 1
        assert two.cost_s == pytest.approx(one.cost_s, rel=1e-9, abs=1e-9)
        driven = sum(share * cost[arc] for arc, share in two.arc_parts())
        assert driven == pytest.approx(two.cost_s, rel=1e-9, abs=1e-9)
        for x, y in zip(two.arcs, two.arcs[1:], strict=False):
            assert graph.arc_head(x) == graph.arc_tail(y)
    assert found > 100


def test_graph_cached_on_disk_maps_back_identically(network, tmp_path):
    """store.save / store.load round-trip: memory-mapped arrays route exactly like the built graph."""
    from routing import store
    from routing.search import Endpoint
    from routing.service import build_state, read_versions

    with network.connect() as conn:
        versions = read_versions(conn)
        built = build_state(conn, versions=versions)
        ident = store.network_id(conn, versions)
    store.save(tmp_path, ident, built.graph, built.landmarks, built.preferred)
    graph, lm, preferred = store.load(tmp_path, ident)
    assert graph.fwd_head.base is not None and graph.names == built.graph.names  # a mapping, not a copy
    assert (preferred == built.preferred).all() and graph.restrictions == built.graph.restrictions
    from routing.search import Searcher

    mapped = Searcher(graph, lm)
    rng = np.random.default_rng(3)
    for a, b in rng.choice(np.flatnonzero(preferred), size=(30, 2)).tolist():
        one = built.searcher.route(Endpoint(a, 0.25), Endpoint(b, 0.75), built.graph.base_cost)
        two = mapped.route(Endpoint(a, 0.25), Endpoint(b, 0.75), graph.base_cost)
        assert (one is None and two is None) or one.cost_s == two.cost_s
    assert store.load(tmp_path, "missing") is None
