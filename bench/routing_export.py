"""Export the routing graph as an .osm.pbf so that Valhalla and OSRM route the same network.

Each segment becomes a way with our speed as `maxspeed` and a highway tag for its class; its end
nodes keep their road-node ids, inner vertices get fresh ids. Run in the project venv (pyosmium).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

from routing.graph import ROAD_CLASSES, RoadGraph

HIGHWAY = {
    "expressway": "motorway",
    "national": "trunk",
    "provincial": "primary",
    "county": "secondary",
    "township": "tertiary",
    "village": "unclassified",
    "urban": "residential",
    "link": "motorway_link",
}


def export_pbf(graph: RoadGraph, path: Path) -> dict[str, int]:
    """Write `graph` to `path` (.osm.pbf); return the counts written."""
    path = Path(path)
    if path.exists():
        path.unlink()
    coords = graph.seg_coords
    starts = graph.seg_ptr[:-1]
    ends = graph.seg_ptr[1:] - 1
    next_id = int(graph.node_ids.max()) + 1 if len(graph.node_ids) else 1
    inner_ids = np.full(len(coords), -1, dtype=np.int64)
    inner_mask = np.ones(len(coords), dtype=bool)
    inner_mask[starts] = False
    inner_mask[ends] = False
    inner_ids[inner_mask] = np.arange(next_id, next_id + int(inner_mask.sum()))
    writer = osmium.SimpleWriter(str(path))
    try:
        for i, nid in enumerate(graph.node_ids.tolist()):
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=nid, location=(float(graph.node_lon[i]), float(graph.node_lat[i])), version=1
                )
            )
        for j in np.flatnonzero(inner_mask).tolist():
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=int(inner_ids[j]), location=(float(coords[j, 0]), float(coords[j, 1])), version=1
                )
            )
        for s in range(graph.n_segments):
            ids = [int(graph.node_ids[graph.seg_source[s]])]
            ids += inner_ids[starts[s] + 1 : ends[s]].tolist()
            ids.append(int(graph.node_ids[graph.seg_target[s]]))
            tags = {
                "highway": HIGHWAY[ROAD_CLASSES[int(graph.seg_class[s])]],
                "maxspeed": str(int(round(graph.seg_speed_kmh[s]))),
            }
            tags["oneway"] = "yes" if graph.seg_oneway[s] else "no"
            rc = graph.route_code(s)
            if rc:
                tags["ref"] = rc
            writer.add_way(osmium.osm.mutable.Way(id=int(graph.seg_ids[s]), nodes=ids, tags=tags, version=1))
    finally:
        writer.close()
    return {"nodes": len(graph.node_ids) + int(inner_mask.sum()), "ways": graph.n_segments}
