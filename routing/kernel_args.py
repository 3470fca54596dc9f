"""The routing kernels' arguments, bundled by name (issue 12).

A numba kernel with two dozen arrays in a row compiles just as well when two arrays of the same
type are swapped, and then answers wrong. So the kernels (routing.kernels, routing.cch_kernels,
routing.query_kernels) take their arrays in these bundles: the caller builds one by name, passes
it as a plain tuple (`tuple(x)`: numba types a plain tuple as cheaply as separate arguments, a
NamedTuple argument much more slowly) and the kernel rebuilds it (`Csr(*fwd)`) and reads every
array by its name. Bundles that depend only on a graph, a CCH, a metric or a workspace are made
once per object (routing.search), not per query.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Csr(NamedTuple):
    """A graph over expanded nodes one way: node → entries ptr[v]:ptr[v+1], each a head and a physical arc."""

    ptr: np.ndarray
    head: np.ndarray
    arc: np.ndarray


class Starts(NamedTuple):
    """Where a search starts (or what it looks for): nodes and the seconds already spent there
    (or still to go from there)."""

    nodes: np.ndarray  # int32
    secs: np.ndarray  # float64


class Reached(NamedTuple):
    """What a one-to-all search fills per node: seconds (inf: not reached) and the entry it was
    reached by (-1 - k: start k)."""

    dist: np.ndarray  # float64
    pred: np.ndarray  # int32


class Tally(NamedTuple):
    """A second weight summed along a search tree (metres): per physical arc, at each start, and
    the sums per node. All three empty: none kept."""

    per_arc: np.ndarray
    at_start: np.ndarray
    reached: np.ndarray


class Bounds(NamedTuple):
    """Landmark tables and the per-landmark bounds of the targets (and sources) of one query."""

    lm_from: np.ndarray
    lm_to: np.ndarray
    t_from: np.ndarray
    t_to_ub: np.ndarray
    s_from: np.ndarray
    s_to: np.ndarray


class Side(NamedTuple):
    """One ALT search's stamped arrays and heap (routing.search._Workspace)."""

    dist: np.ndarray
    pred: np.ndarray
    seen: np.ndarray
    xdist: np.ndarray
    xseen: np.ndarray
    keys: np.ndarray
    nodes: np.ndarray


class Marks(NamedTuple):
    """One-way A*'s per-node target marks and offsets, and its cached landmark bounds (stamped)."""

    tmark: np.ndarray  # int32
    toff: np.ndarray  # float64
    hval: np.ndarray  # float64


class Potentials(NamedTuple):
    """Bidirectional A*'s cached potentials per node, valid where `pseen` is the stamp."""

    pval: np.ndarray  # float64
    pseen: np.ndarray  # int32


class Ends(NamedTuple):
    """The graph arrays that lead away from and into a snapped point."""

    arc_head_x: np.ndarray  # expanded head node of each arc
    arc_tail_ptr: np.ndarray  # CSR by arc: the expanded nodes an arc may be taken from
    arc_tails: np.ndarray


class Place(NamedTuple):
    """A snapped point as the kernels take it: its candidate segments and the fraction along each."""

    segs: np.ndarray  # int64
    fractions: np.ndarray  # float64


class Tree(NamedTuple):
    """The metric-independent CCH arrays (routing.cch.CCH) a query, its unpacking and a
    customization read."""

    rank: np.ndarray
    parent: np.ndarray
    up_ptr: np.ndarray
    up_head: np.ndarray
    low: np.ndarray


class Inputs(NamedTuple):
    """How the expanded graph's edges map onto the CCH (routing.cch.CCH): each edge's arc and
    direction and physical arc, the input edges of each arc, and the metres of each physical arc."""

    edge_arc: np.ndarray
    edge_up: np.ndarray
    edge_phys: np.ndarray
    in_ptr: np.ndarray
    in_edge: np.ndarray
    phys_len: np.ndarray


class Down(NamedTuple):
    """The CCH's arcs by upper end (routing.cch.CCH): lower ends ascending, and the arcs."""

    ptr: np.ndarray
    tail: np.ndarray
    arc: np.ndarray


class Weights(NamedTuple):
    """A customized metric's arrays (routing.cch.Metric): weights, how each was obtained, metres."""

    up_w: np.ndarray
    down_w: np.ndarray
    up_src: np.ndarray
    down_src: np.ndarray
    up_len: np.ndarray
    down_len: np.ndarray


class Upward(NamedTuple):
    """The upward graphs a query searches each way (CSR by CCH node: ptr, head, CCH arc, weight) and
    whether their arcs map to CCH arcs (`mapped` False: the whole CCH, arc k is CCH arc k)."""

    f_ptr: np.ndarray
    f_head: np.ndarray
    f_arc: np.ndarray
    f_w: np.ndarray
    b_ptr: np.ndarray
    b_head: np.ndarray
    b_arc: np.ndarray
    b_w: np.ndarray
    mapped: bool


class Work(NamedTuple):
    """A thread's elimination-tree query arrays (routing.cch.QueryWorkspace)."""

    df: np.ndarray
    db: np.ndarray
    pf: np.ndarray
    pb: np.ndarray
    seen_f: np.ndarray
    seen_b: np.ndarray
    chain_f: np.ndarray
    chain_b: np.ndarray
    out: np.ndarray
    stack: np.ndarray


class Groups(NamedTuple):
    """Many-to-many origins (or destinations): group i's candidates are entries ptr[i]:ptr[i+1],
    each a CCH node with the seconds and metres already driven (or still to go)."""

    ptr: np.ndarray
    nodes: np.ndarray
    secs: np.ndarray
    metres: np.ndarray


class Grid(NamedTuple):
    """A grid index of segments (routing.geometry.SegmentGrid): vertices and their CSR by segment,
    each segment's bounding box, the sorted keys of the cells holding segments with their segments'
    CSR, and the cell size in degrees."""

    coords: np.ndarray
    ptr: np.ndarray
    bbox: np.ndarray
    keys: np.ndarray
    cell_ptr: np.ndarray
    cell_segs: np.ndarray
    cell_deg: float


class Cells(NamedTuple):
    """A block of grid cells: x0..x1 × y0..y1 (cell indices, both ends included)."""

    x0: int
    x1: int
    y0: int
    y1: int


class Incidence(NamedTuple):
    """Each segment's end nodes, and the segments of each node (CSR by node)."""

    seg_source: np.ndarray
    seg_target: np.ndarray
    inc_ptr: np.ndarray
    inc_seg: np.ndarray


class Segments(NamedTuple):
    """What a route's answer reads of each segment (routing.graph.RoadGraph): vertices (CSR by
    segment), metres, road class, route and name indices."""

    coords: np.ndarray
    ptr: np.ndarray
    length_m: np.ndarray
    road_class: np.ndarray
    route: np.ndarray
    name: np.ndarray


class Driven(NamedTuple):
    """A leg's arcs and how much of the first and last is driven (routing.search.Path)."""

    arcs: np.ndarray
    first_part: float
    last_part: float
    start_fraction: float  # where on its segment a single arc's drive starts
