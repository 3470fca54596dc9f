"""Line geometries to an NKDE network, and points snapped onto it (edge index + offset)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

from analysis.nkde import Events, Network


def local_projection(lon: float, lat: float) -> pyproj.Transformer:
    """WGS84 lon/lat to a transverse Mercator in metres centred on (lon, lat): true lengths within
    a fraction of a percent over a province."""
    crs = pyproj.CRS.from_proj4(f"+proj=tmerc +lon_0={lon:.6f} +lat_0={lat:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84")
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project_lines(lines: np.ndarray, transformer: pyproj.Transformer) -> np.ndarray:
    """Shapely lines in lon/lat to the transformer's metres."""
    return shapely.transform(lines, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def network_from_lines(lines_m: np.ndarray, edge_ids=None, *, decimals: int = 3) -> Network:
    """A network from projected shapely LineStrings: ends that agree to `decimals` (metres) are one
    node; lengths are the planar lengths. Lines of zero length are refused (drop them first)."""
    lines_m = np.asarray(lines_m, dtype=object)
    n = lines_m.size
    first = shapely.get_coordinates(shapely.get_point(lines_m, 0))
    last = shapely.get_coordinates(shapely.get_point(lines_m, -1))
    ends = np.round(np.vstack([first, last]), decimals)
    _, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.reshape(-1)
    ids = np.arange(n) if edge_ids is None else edge_ids
    return Network.build(ids, node[:n], node[n:], shapely.length(lines_m))


@dataclass(frozen=True)
class Snapped:
    """Points snapped to the nearest line: edge index (-1 when farther than the limit), offset in
    metres from the line's start (scaled to the edge's length) and distance to the line."""

    edge: np.ndarray
    offset: np.ndarray
    distance: np.ndarray


def snap_points(lines_m: np.ndarray, lengths: np.ndarray, x, y, max_distance: float = np.inf) -> Snapped:
    """Snap projected points to projected lines (shapely STRtree, nearest line); the offset is the
    fraction along the line times `lengths` (so that stored lengths stay authoritative)."""
    pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    tree = shapely.STRtree(lines_m)
    kw = {} if not np.isfinite(max_distance) else {"max_distance": max_distance}
    (pi, li), dist = tree.query_nearest(pts, return_distance=True, all_matches=False, **kw)
    edge = np.full(pts.size, -1, dtype=np.int64)
    offset = np.full(pts.size, np.nan)
    distance = np.full(pts.size, np.inf)
    edge[pi] = li
    distance[pi] = dist
    frac = shapely.line_locate_point(lines_m[li], pts[pi], normalized=True)
    offset[pi] = np.clip(frac, 0.0, 1.0) * np.asarray(lengths, dtype=float)[li]
    return Snapped(edge, offset, distance)


def explode_lines(lines_m: np.ndarray) -> np.ndarray:
    """Every straight piece (consecutive vertex pair) of the lines as its own 2-point LineString,
    repeated vertices dropped: the network spatstat's linnet (straight segments) can hold."""
    pieces = []
    for line in np.asarray(lines_m, dtype=object):
        xy = shapely.get_coordinates(line)
        keep = np.ones(len(xy), dtype=bool)
        keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
        xy = xy[keep]
        pieces.extend(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    return np.array(pieces, dtype=object)


def from_geojson(
    lines_fc: dict,
    points_fc: dict,
    *,
    weight=None,
    straight: bool = False,
    max_distance: float = 1.0,
) -> tuple[Network, Events, np.ndarray]:
    """A network and events from GeoJSON FeatureCollections in WGS84 (LineStrings; Points), projected
    on a local transverse Mercator; `weight` maps a point's properties to its weight (default 1);
    `straight` makes every straight piece an edge. Points farther than `max_distance` metres from
    every line are refused (ValueError)."""

    lines = np.array([shapely.geometry.shape(f["geometry"]) for f in lines_fc["features"]], dtype=object)
    lon0, lat0 = shapely.centroid(shapely.envelope(shapely.union_all(lines))).coords[0]
    tr = local_projection(lon0, lat0)
    lines_m = project_lines(lines, tr)
    if straight:
        lines_m = explode_lines(lines_m)
    net = network_from_lines(lines_m)
    feats = points_fc["features"]
    xy = np.array([f["geometry"]["coordinates"][:2] for f in feats], dtype=float).reshape(-1, 2)
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    snapped = snap_points(lines_m, net.length, x, y)
    far = np.flatnonzero(snapped.distance > max_distance)
    if far.size:
        raise ValueError(f"points {far[:5].tolist()} lie more than {max_distance} m from every line")
    w = None if weight is None else [float(weight(f["properties"])) for f in feats]
    return net, Events.build(net, snapped.edge, snapped.offset, w), lines_m
