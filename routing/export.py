"""The routable network for analysts: an osmnx MultiDiGraph written as GraphML or GeoPackage.

The graph uses osmnx's own attribute names so that `osmnx.load_graphml` reads it back with numbers
where osmnx expects them: graph `crs`; nodes keyed by Daoan's node id (as osmnx keys them by OSM id)
with `x`, `y` (lon/lat, EPSG:4326), and `name`/`highway=motorway_junction` at interchanges; edge
`osmid` (the road segment id), `length` (metres), `speed_kph`, `travel_time` (seconds, the routing
graph's own arc cost without incidents or weather), `oneway`, `reversed` (the edge runs
against the segment's digitisation), `highway` (Daoan's road class), `ref` (route code), `name`,
`bridge`, `tunnel`, `geometry` (the edge's line in travel direction) and the stakes where the edge
starts and ends (`stake_from`, `stake_to`, e.g. K1500+000; absent on roads without stakes).

A graph file has no way to carry turn restrictions; they are left out (a route through a restricted
junction may come out cheaper in osmnx than from GET /route).
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from sqlalchemy.engine import Connection

from gis.errors import InvalidParameter
from gis.stake import format_stake
from routing.graph import ROAD_CLASSES, RoadGraph, load_graph

FORMATS = {"graphml": ".graphml", "gpkg": ".gpkg"}


def output_path(fmt: str, output: str | None) -> Path:
    """Where to write: `output`, else `road_graph.<ext>` in the working directory. A format that is not
    offered or a path that cannot be written is an error naming it (before any work is done)."""
    if fmt not in FORMATS:
        raise InvalidParameter(f"--format {fmt!r} is not offered; use graphml or gpkg", parameter="format")
    path = Path(output) if output else Path(f"road_graph{FORMATS[fmt]}")
    if path.is_dir():
        raise InvalidParameter(f"--output {str(path)!r} is a directory; give a file name", parameter="output")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidParameter(
            f"--output {str(path)!r}: the directory {str(parent)!r} does not exist", parameter="output"
        )
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidParameter(f"--output {str(path)!r} is not writable", parameter="output")
    return path


def osmnx_graph(graph: RoadGraph) -> nx.MultiDiGraph:
    """The routing graph's physical nodes and allowed arcs as an osmnx-style MultiDiGraph."""
    g = nx.MultiDiGraph(crs="EPSG:4326", created_with="daoan")
    node_ids = graph.node_ids.tolist()
    for i, nid in enumerate(node_ids):
        g.add_node(nid, x=float(graph.node_lon[i]), y=float(graph.node_lat[i]))
        label = graph.node_label[i]
        if label:
            g.nodes[nid]["name"] = label
        if graph.node_interchange[i]:
            g.nodes[nid]["highway"] = "motorway_junction"
    arcs = np.nonzero(np.isfinite(graph.base_cost))[0]
    for arc in arcs.tolist():
        seg = arc >> 1
        back = bool(arc & 1)
        tail, head = graph.arc_tail(arc), graph.arc_head(arc)
        coords = graph.coords(seg)
        attrs: dict = {
            "osmid": int(graph.seg_ids[seg]),
            "length": float(graph.seg_length_m[seg]),
            "speed_kph": float(graph.seg_speed_kmh[seg]),
            "travel_time": float(graph.base_cost[arc]),
            "oneway": bool(graph.seg_oneway[seg]),
            "reversed": back,
            "highway": ROAD_CLASSES[int(graph.seg_class[seg])],
            "bridge": bool(graph.seg_bridge[seg]),
            "tunnel": bool(graph.seg_tunnel[seg]),
            "geometry": shapely.LineString(coords[::-1] if back else coords),
        }
        ref, name = graph.route_code(seg), graph.name(seg)
        if ref:
            attrs["ref"] = ref
        if name:
            attrs["name"] = name
        start, end = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
        if np.isfinite(start) and np.isfinite(end):
            attrs["stake_from"], attrs["stake_to"] = (
                format_stake(end if back else start),
                format_stake(start if back else end),
            )
        g.add_edge(node_ids[tail], node_ids[head], **attrs)
    return g


def export_graph(conn: Connection, fmt: str, path: Path) -> dict[str, int]:
    """Write the network to `path` as `fmt`; the counts written."""
    import osmnx

    g = osmnx_graph(load_graph(conn, turn_restrictions=False))
    if fmt == "graphml":
        osmnx.io.save_graphml(g, path)
    else:
        if path.exists():
            path.unlink()  # a GeoPackage is appended to, layer by layer: start from none
        osmnx.io.save_graph_geopackage(g, path, directed=True)  # every arc, as the GraphML has them
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
