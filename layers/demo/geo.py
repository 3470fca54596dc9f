"""Geometry helpers of the demo generator: a conformal projection for Hunan, lengths, curves, EWKB."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

# Lambert conformal conic fitted to Hunan (24.6–30.1°N): scale error below 0.1 % over the province,
# so that distances and angles in its metres are good enough to lay out roads.
HUNAN_LCC = "+proj=lcc +lat_0=27.5 +lon_0=111.5 +lat_1=25.5 +lat_2=29.5 +ellps=GRS80 +units=m +no_defs"

_A = 6378137.0  # GRS80 / WGS84 semi-major axis (m)
_E2 = 0.00669438002290  # first eccentricity squared


class Projection:
    """Forward and inverse transforms between lon/lat (EPSG:4326) and Hunan LCC metres."""

    def __init__(self) -> None:
        crs = CRS.from_proj4(HUNAN_LCC)
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LCC metres of lon/lat arrays."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lon/lat of LCC metre arrays."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)

    def geom_to_xy(self, geom: shapely.Geometry) -> shapely.Geometry:
        """A lon/lat geometry in LCC metres."""
        return shapely.transform(geom, lambda c: np.column_stack(self.to_xy(c[:, 0], c[:, 1])))

    def geom_to_lonlat(self, geom: shapely.Geometry) -> shapely.Geometry:
        """An LCC geometry in lon/lat."""
        return shapely.transform(geom, lambda c: np.column_stack(self.to_lonlat(c[:, 0], c[:, 1])))


def pair_lengths_m(lon0: np.ndarray, lat0: np.ndarray, lon1: np.ndarray, lat1: np.ndarray) -> np.ndarray:
    """Ellipsoidal distance (m) of short lon/lat steps, from the local radii of curvature.

    Exact to about 1e-6 relative for steps of a few kilometres, which is all the generator makes.
    """
    phi = np.radians((lat0 + lat1) * 0.5)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    n = _A / np.sqrt(w)
    m = _A * (1.0 - _E2) / (w * np.sqrt(w))
    dx = np.radians(lon1 - lon0) * n * np.cos(phi)
    dy = np.radians(lat1 - lat0) * m
    return np.hypot(dx, dy)


def vertex_steps(x: np.ndarray, y: np.ndarray, offsets: np.ndarray, *, lonlat: bool) -> np.ndarray:
    """Length of each step between consecutive vertices, 0 for the steps joining two lines."""
    d = pair_lengths_m(x[:-1], y[:-1], x[1:], y[1:]) if lonlat else np.hypot(np.diff(x), np.diff(y))
    if len(offsets) > 2:
        d[offsets[1:-1] - 1] = 0.0
    return d


def line_lengths_m(lon: np.ndarray, lat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Ellipsoidal length of each line of a ragged vertex array (lines i: offsets[i]..offsets[i+1])."""
    cum = np.concatenate([[0.0], np.cumsum(vertex_steps(lon, lat, offsets, lonlat=True))])
    return cum[offsets[1:] - 1] - cum[offsets[:-1]]


def curved_lines(p0: np.ndarray, p1: np.ndarray, n_inner: int, amplitude: np.ndarray) -> np.ndarray:
    """Vertices (E, n_inner + 2, 2) of gently curved lines from p0 to p1 (E, 2).

    `amplitude` (E, 2) holds the weights of two lateral sine modes as fractions of the chord length.
    """
    t = np.linspace(0.0, 1.0, n_inner + 2)
    d = p1 - p0
    length = np.hypot(d[:, 0], d[:, 1])
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.where(length > 0, length, 1.0)[:, None]
    modes = amplitude[:, :1] * np.sin(np.pi * t) + amplitude[:, 1:2] * np.sin(2 * np.pi * t)
    lateral = length[:, None] * modes
    pts = p0[:, None, :] + t[None, :, None] * d[:, None, :] + lateral[:, :, None] * normal[:, None, :]
    pts[:, 0] = p0
    pts[:, -1] = p1
    return pts


def bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int = 10) -> np.ndarray:
    """n points of the quadratic Bézier curve p0 → p2 with control point p1."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def ragged(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack a list of (n_i, 2) vertex arrays into one (V, 2) array and its offsets."""
    counts = np.array([len(p) for p in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    coords = np.concatenate(parts) if parts else np.zeros((0, 2))
    return coords, offsets


class LinePlacer:
    """Points at a fraction along lines of a ragged LCC vertex array, shifted sideways (left positive)."""

    def __init__(self, xy: np.ndarray, offsets: np.ndarray) -> None:
        self.xy = xy
        self.offsets = offsets
        steps = vertex_steps(xy[:, 0], xy[:, 1], offsets, lonlat=False)
        self.cum = np.concatenate([[0.0], np.cumsum(steps)])
        self.lengths = self.cum[offsets[1:] - 1] - self.cum[offsets[:-1]]

    def place(
        self, line: np.ndarray, fraction: np.ndarray, lateral_m: np.ndarray | float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(points (n, 2), unit tangents (n, 2)) at `fraction` along `line`, `lateral_m` to the left."""
        line = np.asarray(line, dtype=np.int64)
        first = self.offsets[line]
        last = self.offsets[line + 1] - 1
        target = self.cum[first] + np.clip(fraction, 0.0, 1.0) * self.lengths[line]
        j = np.searchsorted(self.cum, target, side="right") - 1
        j = np.clip(j, first, last - 1)
        a = self.xy[j]
        b = self.xy[j + 1]
        step = np.hypot(*(b - a).T)
        safe = np.where(step > 0, step, 1.0)
        u = np.clip((target - self.cum[j]) / safe, 0.0, 1.0)
        tangent = (b - a) / safe[:, None]
        pts = a + u[:, None] * (b - a)
        left = np.column_stack([-tangent[:, 1], tangent[:, 0]])
        return pts + np.asarray(lateral_m, dtype=float).reshape(-1, 1) * left, tangent


def ewkb_hex(geoms: np.ndarray) -> list[str]:
    """EWKB hex strings (SRID 4326) of an array of lon/lat shapely geometries, for COPY."""
    out = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
    return list(out.tolist())


def as_multipolygon(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of `geom` as one valid MultiPolygon, or None when it has no area."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon) and not g.is_empty]
    if not polys:
        return None
    return shapely.MultiPolygon(polys)
