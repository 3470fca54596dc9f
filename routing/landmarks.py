"""Landmarks for A* (ALT): travel times to and from a few far-apart nodes, on base costs.

Closures and speed caps only raise costs, so bounds computed once on the base costs stay valid
lower bounds under any live overlay: closures act at once, with nothing rebuilt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from routing.graph import RoadGraph
from routing.kernel_args import Csr, Reached, Starts, Tally
from routing.kernels import dijkstra


@dataclass(frozen=True)
class Landmarks:
    """lm_from[v, k] = d(L_k, v), lm_to[v, k] = d(v, L_k), in seconds (float32, inf = unreachable)."""

    nodes: np.ndarray
    lm_from: np.ndarray
    lm_to: np.ndarray
    built_s: float


def one_to_all(graph: RoadGraph, cost: np.ndarray, source: int, *, backward: bool = False) -> np.ndarray:
    """Seconds from (or, backward, to) expanded node `source` to every node."""
    n = graph.n_nodes
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int32)
    if backward:
        csr = Csr(ptr=graph.bwd_ptr, head=graph.bwd_head, arc=graph.bwd_arc)
    else:
        csr = Csr(ptr=graph.fwd_ptr, head=graph.fwd_head, arc=graph.fwd_arc)
    empty = np.empty(0, np.float64)
    dijkstra(
        tuple(csr),
        cost,
        tuple(Starts(nodes=np.array([source], np.int32), secs=np.zeros(1))),
        np.inf,
        np.empty(0, np.int32),
        tuple(Reached(dist=dist, pred=pred)),
        tuple(Tally(per_arc=empty, at_start=empty, reached=empty)),
    )
    return dist


def build_landmarks(graph: RoadGraph, *, count: int = 16, seed: int = 2017) -> Landmarks:
    """Choose `count` landmarks by farthest selection on the largest reachable set and tabulate them."""
    t0 = time.perf_counter()
    n = graph.n_nodes
    count = max(1, min(count, n // 50 or 1))
    cost = graph.base_cost
    rng = np.random.default_rng(seed)
    lm_from = np.full((n, count), np.inf, dtype=np.float32)
    lm_to = np.full((n, count), np.inf, dtype=np.float32)
    chosen: list[int] = []
    if n == 0:
        return Landmarks(np.empty(0, np.int32), lm_from, lm_to, 0.0)
    # Start from the node that reaches most of the graph among a few random tries.
    best_start, best_reach, start_dist = 0, -1, np.zeros(n)
    for cand in rng.choice(n, size=min(5, n), replace=False).tolist():
        d = one_to_all(graph, cost, cand)
        reach = int(np.isfinite(d).sum())
        if reach > best_reach:
            best_start, best_reach, start_dist = cand, reach, d
    score = np.where(np.isfinite(start_dist), start_dist, -1.0)
    del best_start
    for k in range(count):
        pick = int(np.argmax(score))
        if score[pick] <= 0 and k > 0:
            break
        chosen.append(pick)
        d_from = one_to_all(graph, cost, pick)
        d_to = one_to_all(graph, cost, pick, backward=True)
        lm_from[:, k] = d_from
        lm_to[:, k] = d_to
        both = np.where(np.isfinite(d_from) & np.isfinite(d_to), d_from + d_to, -1.0)
        score = both if k == 0 else np.minimum(np.where(score < 0, -1.0, score), both)
        score[chosen] = -1.0
    used = len(chosen)
    return Landmarks(
        np.array(chosen, dtype=np.int32),
        np.ascontiguousarray(lm_from[:, :used]),
        np.ascontiguousarray(lm_to[:, :used]),
        time.perf_counter() - t0,
    )
