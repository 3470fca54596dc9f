"""The routing graph: road segments as directed arcs in CSR arrays, turn restrictions expanded.

Physical arc ``2*i`` runs segment ``i`` along its digitisation (source → target), ``2*i + 1``
against it; a one-way segment's backward arc has cost ``inf``. Turn restrictions are honoured by
splitting only their via nodes: every arc into a restricted node gets its own copy of that node,
whose outgoing arcs are the turns allowed after that arc (edge-based expansion where needed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)

# Appended classes keep the codes of the older ones (graphs cached on disk store the codes).
ROAD_CLASSES = ("expressway", "national", "provincial", "county", "township", "urban", "link", "village")
CLASS_CODE = {c: i for i, c in enumerate(ROAD_CLASSES)}
EXPRESSWAY = CLASS_CODE["expressway"]
LINK = CLASS_CODE["link"]


@dataclass
class RoadGraph:
    """Segments, nodes and the expanded directed graph, all in numpy arrays."""

    seg_ids: np.ndarray  # int64 (S), ascending
    seg_source: np.ndarray  # int32 physical node index
    seg_target: np.ndarray
    seg_oneway: np.ndarray  # bool
    seg_length_m: np.ndarray  # float64
    seg_speed_kmh: np.ndarray  # float64
    seg_class: np.ndarray  # int8 index into ROAD_CLASSES
    seg_route: np.ndarray  # int32 index into routes, -1 for none
    seg_name: np.ndarray  # int32 index into names, -1 for none
    seg_bridge: np.ndarray
    seg_tunnel: np.ndarray
    seg_start_stake: np.ndarray  # float64, nan where the route has no stakes
    seg_end_stake: np.ndarray
    seg_coords: np.ndarray  # float64 (V, 2): every segment's vertices, segment after segment
    seg_ptr: np.ndarray  # int64 (S+1): segment i's vertices are seg_coords[seg_ptr[i]:seg_ptr[i+1]]
    routes: list[str]
    names: list[str]
    node_ids: np.ndarray  # int64 (N)
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_interchange: np.ndarray  # bool
    node_label: list[str | None]  # name or ref of the node (interchanges)
    base_cost: np.ndarray  # float64 (2S) seconds, inf where the direction is not allowed
    # Expanded graph over N' >= N nodes (copies of restricted via nodes after N).
    node_phys: np.ndarray  # int32 (N') physical node of each expanded node
    fwd_ptr: np.ndarray  # int64 (N'+1)
    fwd_head: np.ndarray  # int32 (E')
    fwd_tail: np.ndarray  # int32 (E')
    fwd_arc: np.ndarray  # int32 (E') physical arc
    bwd_ptr: np.ndarray
    bwd_head: np.ndarray  # the tail of the entry, as seen backwards
    bwd_arc: np.ndarray
    bwd_owner: np.ndarray  # int32 (E') the node whose backward list holds the entry (the arc's head)
    arc_head_x: np.ndarray  # int32 (2S) expanded head node of each physical arc
    arc_tail_ptr: np.ndarray  # int64 (2S+1): expanded tails from which an arc leaves
    arc_tails: np.ndarray  # int32
    restrictions: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    built_s: float = 0.0
    landmarks: object | None = None  # routing.landmarks.Landmarks

    @property
    def n_nodes(self) -> int:
        """Expanded node count."""
        return int(self.fwd_ptr.shape[0] - 1)

    @property
    def n_segments(self) -> int:
        """Segment count."""
        return int(self.seg_ids.shape[0])

    @property
    def n_edges(self) -> int:
        """Directed edges of the expanded graph."""
        return int(self.fwd_head.shape[0])

    def segment_index(self, segment_ids: np.ndarray | list[int]) -> np.ndarray:
        """Indices of segment ids (-1 for ids not in the graph)."""
        ids = np.asarray(segment_ids, dtype=np.int64)
        idx = np.searchsorted(self.seg_ids, ids)
        idx = np.clip(idx, 0, max(len(self.seg_ids) - 1, 0))
        ok = (self.seg_ids[idx] == ids) if len(self.seg_ids) else np.zeros(len(ids), bool)
        return np.where(ok, idx, -1)

    def node_index(self, node_ids: np.ndarray | list[int]) -> np.ndarray:
        """Physical indices of node ids (-1 for ids not in the graph)."""
        ids = np.asarray(node_ids, dtype=np.int64)
        order = self._node_order()
        pos = np.searchsorted(self.node_ids[order], ids)
        pos = np.clip(pos, 0, max(len(order) - 1, 0))
        ok = self.node_ids[order][pos] == ids if len(order) else np.zeros(len(ids), bool)
        return np.where(ok, order[pos], -1)

    def _node_order(self) -> np.ndarray:
        if not hasattr(self, "_order"):
            self._order = np.argsort(self.node_ids, kind="stable")
        return self._order

    def coords(self, seg: int) -> np.ndarray:
        """Vertices of segment index `seg` in digitised order."""
        return self.seg_coords[self.seg_ptr[seg] : self.seg_ptr[seg + 1]]

    def linestring(self, seg: int) -> shapely.LineString:
        """Segment index `seg` as a shapely LineString (built on demand)."""
        return shapely.LineString(self.coords(seg))

    def arc_tail(self, arc: int) -> int:
        """Physical tail node of a physical arc."""
        i = arc >> 1
        return int(self.seg_target[i] if arc & 1 else self.seg_source[i])

    def arc_head(self, arc: int) -> int:
        """Physical head node of a physical arc."""
        i = arc >> 1
        return int(self.seg_source[i] if arc & 1 else self.seg_target[i])

    def route_code(self, seg: int) -> str | None:
        """Route code of segment index `seg`."""
        r = int(self.seg_route[seg])
        return self.routes[r] if r >= 0 else None

    def name(self, seg: int) -> str | None:
        """Name of segment index `seg`."""
        r = int(self.seg_name[seg])
        return self.names[r] if r >= 0 else None

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays (geometries not included)."""
        total = 0
        for value in self.__dict__.values():
            if isinstance(value, np.ndarray) and value.dtype != object:
                total += value.nbytes
        lm = self.landmarks
        if lm is not None:
            total += lm.lm_from.nbytes + lm.lm_to.nbytes  # type: ignore[attr-defined]
        return total


def travel_time_s(length_m: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
    """Seconds to drive `length_m` at `speed_kmh`."""
    return np.asarray(length_m, dtype=np.float64) * 3.6 / np.asarray(speed_kmh, dtype=np.float64)


@dataclass
class SegmentColumns:
    """road_segments as columns (what the graph needs), read in chunks to keep few Python objects alive."""

    ids: np.ndarray
    source_node: np.ndarray
    target_node: np.ndarray
    oneway: np.ndarray
    speed_kmh: np.ndarray
    length_m: np.ndarray
    road_class: np.ndarray
    route: np.ndarray
    name: np.ndarray
    bridge: np.ndarray
    tunnel: np.ndarray
    start_stake: np.ndarray
    end_stake: np.ndarray
    coords: np.ndarray
    ptr: np.ndarray
    routes: list[str]
    names: list[str]


def segment_columns(row_chunks: Iterable[Sequence[Any]]) -> SegmentColumns:
    """Columns from chunks of routing_segments.sql rows, converted chunk by chunk."""
    route_table: dict[str, int] = {}
    name_table: dict[str, int] = {}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in SegmentColumns.__dataclass_fields__ if k not in ("routes", "names", "ptr")
    }
    counts: list[np.ndarray] = []
    nan = float("nan")
    for rows in row_chunks:
        if not rows:
            continue
        parts["ids"].append(np.array([r.id for r in rows], dtype=np.int64))
        parts["source_node"].append(np.array([r.source_node for r in rows], dtype=np.int64))
        parts["target_node"].append(np.array([r.target_node for r in rows], dtype=np.int64))
        parts["oneway"].append(np.array([bool(r.oneway) for r in rows], dtype=bool))
        parts["speed_kmh"].append(np.array([float(r.speed_kmh) for r in rows], dtype=np.float64))
        parts["length_m"].append(np.array([float(r.length_m) for r in rows], dtype=np.float64))
        parts["road_class"].append(
            np.array([CLASS_CODE.get(r.road_class, CLASS_CODE["urban"]) for r in rows], dtype=np.int8)
        )
        parts["route"].append(
            np.array(
                [route_table.setdefault(r.route_code, len(route_table)) if r.route_code else -1 for r in rows],
                dtype=np.int32,
            )
        )
        parts["name"].append(
            np.array([name_table.setdefault(r.name, len(name_table)) if r.name else -1 for r in rows], dtype=np.int32)
        )
        parts["bridge"].append(np.array([bool(r.bridge) for r in rows], dtype=bool))
        parts["tunnel"].append(np.array([bool(r.tunnel) for r in rows], dtype=bool))
        parts["start_stake"].append(
            np.array([nan if r.start_stake_m is None else float(r.start_stake_m) for r in rows], dtype=np.float64)
        )
        parts["end_stake"].append(
            np.array([nan if r.end_stake_m is None else float(r.end_stake_m) for r in rows], dtype=np.float64)
        )
        coords, index = shapely.get_coordinates(
            shapely.from_wkb(np.array([bytes(r.wkb) for r in rows], dtype=object)), return_index=True
        )
        parts["coords"].append(coords)
        counts.append(np.bincount(index, minlength=len(rows)))
    empty = {
        "ids": np.int64,
        "source_node": np.int64,
        "target_node": np.int64,
        "oneway": bool,
        "speed_kmh": np.float64,
        "length_m": np.float64,
        "road_class": np.int8,
        "route": np.int32,
        "name": np.int32,
        "bridge": bool,
        "tunnel": bool,
        "start_stake": np.float64,
        "end_stake": np.float64,
        "coords": np.float64,
    }
    cols = {k: np.concatenate(v) if v else np.empty(0, dtype=empty[k]) for k, v in parts.items()}
    if len(cols["coords"]) == 0:
        cols["coords"] = np.empty((0, 2))
    per_seg = np.concatenate(counts) if counts else np.empty(0, np.int64)
    ptr = np.concatenate([[0], np.cumsum(per_seg)]).astype(np.int64)
    return SegmentColumns(**cols, ptr=ptr, routes=list(route_table), names=list(name_table))


def load_graph(
    conn: Connection, *, turn_restrictions: bool = True, versions: dict[str, int] | None = None
) -> RoadGraph:
    """Read road_segments, road_nodes and turn_restrictions and build the routing graph."""
    t0 = time.perf_counter()
    # A server-side cursor read in chunks: the rows of a province never all live as Python objects.
    result = conn.execution_options(stream_results=True).execute(sa.text(load_sql("queries/routing_segments.sql")))
    cols = segment_columns(result.partitions(50_000))
    nodes = list(conn.execute(sa.text(load_sql("queries/routing_nodes.sql"))))
    turns = list(conn.execute(sa.text(load_sql("queries/routing_turns.sql")))) if turn_restrictions else []
    t1 = time.perf_counter()
    graph = build_graph(cols, nodes, turns)
    graph.versions = dict(versions or {})
    graph.built_s = time.perf_counter() - t0
    log.info(
        "routing graph: %d segments, %d nodes, %d edges, %d restrictions; read %.2fs, built %.2fs",
        graph.n_segments,
        graph.n_nodes,
        graph.n_edges,
        graph.restrictions,
        t1 - t0,
        graph.built_s - (t1 - t0),
    )
    return graph


def build_graph(cols: SegmentColumns, nodes: list, turns: list) -> RoadGraph:
    """Build the graph from segment columns, node rows and turn-restriction rows (see the SQL files)."""
    seg_ids = cols.ids
    node_ids = np.array([n.id for n in nodes], dtype=np.int64)
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]

    def nidx(ids: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(sorted_ids, ids), 0, max(len(sorted_ids) - 1, 0))
        if len(ids) and (len(sorted_ids) == 0 or not np.all(sorted_ids[pos] == ids)):
            raise ValueError("road_segments reference nodes missing from road_nodes")
        return order[pos].astype(np.int32) if len(sorted_ids) else np.empty(0, np.int32)

    src = nidx(cols.source_node)
    dst = nidx(cols.target_node)
    oneway, length, speed = cols.oneway, cols.length_m, cols.speed_kmh
    seg_class, seg_route, routes, seg_name, names = cols.road_class, cols.route, cols.routes, cols.name, cols.names
    start_stake, end_stake = cols.start_stake, cols.end_stake

    n_seg = len(seg_ids)
    n_phys = len(nodes)
    cost = np.empty(2 * n_seg, dtype=np.float64)
    tt = travel_time_s(length, speed)
    cost[0::2] = tt
    cost[1::2] = np.where(oneway, np.inf, tt)
    arcs = np.nonzero(np.isfinite(cost))[0].astype(np.int64)
    seg_of = arcs >> 1
    back = (arcs & 1).astype(bool)
    tail = np.where(back, dst[seg_of], src[seg_of]).astype(np.int32)
    head = np.where(back, src[seg_of], dst[seg_of]).astype(np.int32)

    # Restricted via nodes: each arc into one gets a copy of the node with only its allowed turns.
    seg_pos = {int(s): i for i, s in enumerate(seg_ids)} if turns else {}
    node_pos = {int(v): int(i) for i, v in enumerate(node_ids)} if turns else {}
    banned: dict[tuple[int, int], set[int]] = {}
    only: dict[tuple[int, int], set[int]] = {}
    for t in turns:
        f, v, to = seg_pos.get(int(t.from_segment)), node_pos.get(int(t.via_node)), seg_pos.get(int(t.to_segment))
        if f is None or v is None or to is None:
            continue
        (only if str(t.restriction).startswith("only_") else banned).setdefault((f, v), set()).add(to)
    restricted = sorted({v for (_, v) in banned} | {v for (_, v) in only})
    is_restricted = np.zeros(n_phys, dtype=bool)
    is_restricted[restricted] = True

    arc_head_x = np.full(2 * n_seg, -1, dtype=np.int32)
    arc_head_x[arcs] = head
    into_restricted = arcs[is_restricted[head]] if len(arcs) else arcs
    copy_of = np.arange(n_phys, dtype=np.int32)
    copies = np.arange(n_phys, n_phys + len(into_restricted), dtype=np.int32)
    arc_head_x[into_restricted] = copies
    node_phys = np.concatenate([copy_of, head[np.searchsorted(arcs, into_restricted)]]).astype(np.int32)

    # Entries: every arc from its physical tail, plus, per copy, the allowed arcs of its node.
    e_tail = [tail]
    e_arc = [arcs]
    if len(into_restricted):
        out_order = np.argsort(tail, kind="stable")
        out_ptr = np.searchsorted(tail[out_order], np.arange(n_phys + 1))
        extra_tail: list[int] = []
        extra_arc: list[int] = []
        for copy, a_in in zip(copies.tolist(), into_restricted.tolist(), strict=True):
            v = int(node_phys[copy])
            from_seg = a_in >> 1
            no = banned.get((from_seg, v), set())
            must = only.get((from_seg, v))
            for j in out_order[out_ptr[v] : out_ptr[v + 1]].tolist():
                a_out = int(arcs[j])
                to_seg = a_out >> 1
                if to_seg in no or (must is not None and to_seg not in must):
                    continue
                extra_tail.append(copy)
                extra_arc.append(a_out)
        e_tail.append(np.array(extra_tail, dtype=np.int32))
        e_arc.append(np.array(extra_arc, dtype=np.int64))
    ent_tail = np.concatenate(e_tail).astype(np.int32)
    ent_arc = np.concatenate(e_arc).astype(np.int32)
    ent_head = arc_head_x[ent_arc]
    n_x = n_phys + len(copies)

    f_order = np.lexsort((ent_head, ent_tail))
    fwd_tail = ent_tail[f_order]
    fwd_head = ent_head[f_order]
    fwd_arc = ent_arc[f_order]
    fwd_ptr = np.searchsorted(fwd_tail, np.arange(n_x + 1)).astype(np.int64)
    b_order = np.argsort(ent_head, kind="stable")
    bwd_ptr = np.searchsorted(ent_head[b_order], np.arange(n_x + 1)).astype(np.int64)
    bwd_head = ent_tail[b_order]
    bwd_arc = ent_arc[b_order]
    bwd_owner = ent_head[b_order]
    a_order = np.argsort(fwd_arc, kind="stable")
    arc_tail_ptr = np.searchsorted(fwd_arc[a_order], np.arange(2 * n_seg + 1)).astype(np.int64)
    arc_tails = fwd_tail[a_order]

    return RoadGraph(
        seg_ids=seg_ids,
        seg_source=src,
        seg_target=dst,
        seg_oneway=oneway,
        seg_length_m=length,
        seg_speed_kmh=speed,
        seg_class=seg_class,
        seg_route=seg_route,
        seg_name=seg_name,
        seg_bridge=cols.bridge,
        seg_tunnel=cols.tunnel,
        seg_start_stake=start_stake,
        seg_end_stake=end_stake,
        seg_coords=cols.coords,
        seg_ptr=cols.ptr,
        routes=routes,
        names=names,
        node_ids=node_ids,
        node_lon=np.array([float(n.lon) for n in nodes], dtype=np.float64),
        node_lat=np.array([float(n.lat) for n in nodes], dtype=np.float64),
        node_interchange=np.array([bool(n.interchange) for n in nodes], dtype=bool),
        node_label=[n.name or n.ref for n in nodes],
        base_cost=cost,
        node_phys=node_phys,
        fwd_ptr=fwd_ptr,
        fwd_head=fwd_head,
        fwd_tail=fwd_tail,
        fwd_arc=fwd_arc,
        bwd_ptr=bwd_ptr,
        bwd_head=bwd_head,
        bwd_arc=bwd_arc,
        bwd_owner=bwd_owner,
        arc_head_x=arc_head_x,
        arc_tail_ptr=arc_tail_ptr,
        arc_tails=arc_tails,
        restrictions=len(turns),
    )


def township_arcs(graph: RoadGraph) -> np.ndarray:
    """Arcs of roads below county class (township and village roads), computed once per graph."""
    cached = getattr(graph, "_township_arcs", None)
    if cached is None:
        segs = np.nonzero(np.isin(graph.seg_class, [CLASS_CODE["township"], CLASS_CODE["village"]]))[0]
        cached = np.concatenate([2 * segs, 2 * segs + 1]).astype(np.int64)
        graph._township_arcs = cached  # type: ignore[attr-defined]
    return cached
