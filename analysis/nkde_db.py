"""The NKDE network from PostGIS `road_segments`, accident points snapped onto it, and lixels
mapped back to routes, stakes and geometry.

    from analysis import nkde, nkde_db
    road = nkde_db.load_network(conn, bbox=(lon0, lat0, lon1, lat1), area_wkt=None, classes=None)
    ev, kept = nkde_db.snap(road, lon, lat, weight=severity, max_distance=50.0)
    res = nkde.density(road.network, ev, method="discontinuous")
    place = nkde_db.lixel_places(road, res)            # route_code, from/to stake per lixel
    lines = nkde_db.lixel_lines(road, res, rows)       # WGS84 LineStrings of some lixels

Edges are the segments in id order (edge i = ``road.network.edge_ids[i]``); lengths are the
stored ``length_m``; snapping works on the lines projected to a local transverse Mercator (so
distances are metres) and scales the fraction along the line to ``length_m``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.nkde import Events, Network, Result
from analysis.nkde_lines import local_projection, project_lines, snap_points
from gis.sqlfiles import load_sql


@dataclass(frozen=True)
class RoadNetwork:
    """The network and what maps its edges back to the roads."""

    network: Network
    lines: np.ndarray  # shapely LineStrings, WGS84, per edge
    lines_m: np.ndarray  # the same in metres (local transverse Mercator)
    transformer: pyproj.Transformer  # WGS84 -> lines_m's metres
    road_class: np.ndarray  # object (E)
    route_code: np.ndarray  # object (E), None where the segment has no route
    start_stake_m: np.ndarray  # float64 (E), nan where unknown
    end_stake_m: np.ndarray


def load_network(
    conn: Connection,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    area_wkt: str | None = None,
    classes: list[str] | None = None,
) -> RoadNetwork:
    """Segments meeting `bbox` (lon/lat) and `area_wkt` (WGS84), of `classes` (None = all)."""
    lo = (None, None, None, None) if bbox is None else tuple(float(v) for v in bbox)
    params: dict[str, object] = {"minlon": lo[0], "minlat": lo[1], "maxlon": lo[2], "maxlat": lo[3]}
    params.update(area=area_wkt, classes=list(classes) if classes else None)
    rows = conn.execute(sa.text(load_sql("queries/nkde_segments.sql")), params).all()
    ids = np.array([r.id for r in rows], dtype=np.int64)
    ends = np.array([[r.source_node, r.target_node] for r in rows], dtype=np.int64).reshape(-1, 2)
    nodes, idx = np.unique(ends, return_inverse=True)
    idx = idx.reshape(-1, 2)
    length = np.array([r.length_m for r in rows], dtype=np.float64)
    network = Network.build(ids, idx[:, 0], idx[:, 1], length, n_nodes=nodes.size)
    lines = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else np.array([], dtype=object)
    if rows:
        x0, y0, x1, y1 = shapely.total_bounds(lines)
        transformer = local_projection((x0 + x1) / 2, (y0 + y1) / 2)
    else:
        transformer = local_projection(112.9, 27.6)
    return RoadNetwork(
        network=network,
        lines=lines,
        lines_m=project_lines(lines, transformer),
        transformer=transformer,
        road_class=np.array([r.road_class for r in rows], dtype=object),
        route_code=np.array([r.route_code for r in rows], dtype=object),
        start_stake_m=np.array([np.nan if r.start_stake_m is None else r.start_stake_m for r in rows], float),
        end_stake_m=np.array([np.nan if r.end_stake_m is None else r.end_stake_m for r in rows], float),
    )


def snap(road: RoadNetwork, lon, lat, weight=None, *, max_distance: float = 50.0) -> tuple[Events, np.ndarray]:
    """Events for the points within `max_distance` metres of a segment, and the mask of those kept
    (the events are the kept points in order; weights likewise)."""
    x, y = road.transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    s = snap_points(road.lines_m, road.network.length, x, y, max_distance=max_distance)
    kept = s.edge >= 0
    w = None if weight is None else np.asarray(weight, dtype=float)[kept]
    return Events.build(road.network, s.edge[kept], s.offset[kept], w), kept


@dataclass(frozen=True)
class LixelPlaces:
    """Per result row: the segment's route code (None if none) and the stakes (metres along the
    route, nan where the segment has none) at the lixel's two ends."""

    route_code: np.ndarray
    from_stake_m: np.ndarray
    to_stake_m: np.ndarray


def lixel_places(road: RoadNetwork, res: Result) -> LixelPlaces:
    """Stakes interpolated linearly along each segment between its start and end stakes."""
    e = res.edge
    a, b, ln = road.start_stake_m[e], road.end_stake_m[e], road.network.length[e]
    return LixelPlaces(road.route_code[e], a + (b - a) * res.from_m / ln, a + (b - a) * res.to_m / ln)


def lixel_lines(road: RoadNetwork, res: Result, rows=None) -> np.ndarray:
    """WGS84 LineStrings of the result rows `rows` (all when None): the part of the segment from
    from_m to to_m, as fractions of its length."""
    from shapely.ops import substring

    rows = np.arange(len(res)) if rows is None else np.asarray(rows)
    out = np.empty(rows.size, dtype=object)
    for k, i in enumerate(rows):
        e = int(res.edge[i])
        ln = float(road.network.length[e])
        out[k] = substring(road.lines[e], res.from_m[i] / ln, res.to_m[i] / ln, normalized=True)
    return out
