"""A slow, plain reference for the NKDE (tests and bench only): the network is subdivided at every
lixel centre and every event into a networkx multigraph; the simple method is networkx's Dijkstra
from each event node, the discontinuous one an explicit recursive walk of the non-backtracking
paths shorter than the bandwidth, splitting a path's weight by degree - 1 at every node (the nodes
added inside an edge have degree 2 and so split nothing). Same definitions as
:mod:`analysis.nkde`, none of its code."""

from __future__ import annotations

import sys

import networkx as nx
import numpy as np

from analysis.nkde import Events, Network, Result, check_params, kernel_value, lixelize, result_from_dense


def _subdivided(network: Network, events: Events, lixel: float):
    """The multigraph: junction nodes ('n', i), lixel centres ('l', global index), events ('e', i)."""
    lix = lixelize(network, lixel)
    g = nx.MultiGraph()
    g.add_nodes_from(("n", v) for v in range(network.n_nodes))
    on_edge: dict[int, list[tuple[float, int, tuple]]] = {}
    for e in range(network.n_edges):
        n = int(lix.ptr[e + 1] - lix.ptr[e])
        for k in range(n):
            # lixels sort after events at the same offset (tie rank 1)
            on_edge.setdefault(e, []).append(((k + 0.5) * float(lix.step[e]), 1, ("l", int(lix.ptr[e]) + k)))
    for i in range(events.size):
        on_edge.setdefault(int(events.edge[i]), []).append((float(events.offset[i]), 0, ("e", i)))
    for e in range(network.n_edges):
        stops = sorted(on_edge.get(e, []), key=lambda x: (x[0], x[1], x[2][1]))
        prev, prev_at = ("n", int(network.source[e])), 0.0
        for at, _rank, node in stops:
            g.add_edge(prev, node, length=at - prev_at)
            prev, prev_at = node, at
        g.add_edge(prev, ("n", int(network.target[e])), length=float(network.length[e]) - prev_at)
    # every edge holds a lixel centre, so no loop is left: a path leaves a node by any edge but its own
    assert nx.number_of_selfloops(g) == 0
    return g, lix


def density(
    network: Network,
    events: Events,
    method: str = "simple",
    kernel: str = "quartic",
    bandwidth: float = 300.0,
    lixel: float = 20.0,
    *,
    prepared=None,
) -> Result:
    """The same result as :func:`analysis.nkde.density`, slowly. `prepared` is what
    :func:`prepare` returned for these network, events and lixel (the bench times it apart)."""
    check_params(method, kernel, bandwidth, lixel)
    g, lix = prepare(network, events, lixel) if prepared is None else prepared
    dens = np.zeros(lix.count)
    touched = np.zeros(lix.count, dtype=bool)
    h = float(bandwidth)
    for i in range(events.size):
        w = float(events.weight[i])
        start = ("e", i)
        if method == "simple":
            reach = nx.single_source_dijkstra_path_length(g, start, cutoff=h, weight="length")
            for node, d in reach.items():
                if node[0] == "l" and d < h:
                    dens[node[1]] += w * kernel_value(kernel, d, h)
                    touched[node[1]] = True
        else:
            _walk_from_event(g, start, w, kernel, h, dens, touched)
    return result_from_dense(
        network, lix, dens, touched, method=method, kernel=kernel, bandwidth=bandwidth, lixel=lixel
    )


def prepare(network: Network, events: Events, lixel: float = 20.0):
    """The subdivided multigraph and the lixels (what :func:`density` starts with)."""
    return _subdivided(network, events, lixel)


def _walk_from_event(g, start, w, kernel, h, dens, touched) -> None:
    """Both directions from the event with the full weight, then split at every node."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 100_000))
    try:
        for nbr, key, data in _edges_at(g, start):
            _step(g, start, nbr, key, float(data["length"]), w, kernel, h, dens, touched)
    finally:
        sys.setrecursionlimit(limit)


def _edges_at(g, node):
    return [(nbr, key, data) for _, nbr, key, data in g.edges(node, keys=True, data=True)]


def _step(g, frm, node, key, dist, w, kernel, h, dens, touched) -> None:
    """The path arrives at `node` over edge (frm, node, key) at distance `dist` with weight `w`."""
    if dist >= h:
        return
    if node[0] == "l":
        dens[node[1]] += w * kernel_value(kernel, dist, h)
        touched[node[1]] = True
    out = [(nbr, k, d) for nbr, k, d in _edges_at(g, node) if not (k == key and nbr == frm)]
    if not out:
        return
    share = w / len(out)
    for nbr, k, data in out:
        _step(g, node, nbr, k, dist + float(data["length"]), share, kernel, h, dens, touched)
