"""Sampling a raster along road lines: points every `step_m` along each line (both ends included),
values interpolated bilinearly between cell centres, NaN where the raster has no data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import rasterio
import rasterio.windows
import shapely
from rasterio.crs import CRS
from rasterio.transform import Affine
from scipy import ndimage

WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class Samples:
    """Points along lines: the line each belongs to (`line`), where it is (lon/lat) and its distance
    from the line's start (metres, from the line's length)."""

    line: np.ndarray  # int64, sorted: the samples of line i are contiguous
    lon: np.ndarray
    lat: np.ndarray
    distance_m: np.ndarray
    starts: np.ndarray  # index of each line's first sample (lines with none do not occur: n ≥ 2)


def interpolate(lines: np.ndarray, line: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Points (n × 2) at `fraction` (0–1) of the planar length of `lines[line]`: one vectorised pass
    (shapely's line_interpolate_point walks each line from its start for every point)."""
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    first = np.searchsorted(owner, np.arange(len(lines)))
    last = np.append(first[1:], len(owner)) - 1
    step = np.hypot(*np.diff(xy, axis=0).T)
    step[owner[1:] != owner[:-1]] = 0.0  # no length between one line's end and the next one's start
    cum = np.concatenate(([0.0], np.cumsum(step)))
    target = cum[first[line]] + fraction * (cum[last[line]] - cum[first[line]])
    k = np.searchsorted(cum, target, side="right") - 1
    k = np.clip(k, first[line], np.maximum(last[line] - 1, first[line]))
    nxt = np.minimum(k + 1, last[line])
    span = cum[nxt] - cum[k]
    t = np.where(span > 0, (target - cum[k]) / np.where(span > 0, span, 1.0), 0.0)
    return xy[k] + np.clip(t, 0.0, 1.0)[:, None] * (xy[nxt] - xy[k])


def along(lines: np.ndarray, lengths_m: np.ndarray, step_m: float) -> Samples:
    """Sample points every `step_m` (spread evenly) along each lon/lat line of `lines`."""
    lengths_m = np.asarray(lengths_m, dtype=float)
    n = np.maximum(2, np.ceil(lengths_m / step_m).astype(np.int64) + 1)
    starts = (np.cumsum(n) - n).astype(np.int64)  # each line's first sample (none when there are no lines)
    line = np.repeat(np.arange(len(lines)), n)
    k = np.arange(int(n.sum())) - np.repeat(starts, n)
    frac = k / (n - 1)[line]
    xy = interpolate(lines, line, frac) if len(line) else np.empty((0, 2))
    return Samples(line, xy[:, 0], xy[:, 1], frac * lengths_m[line], starts)


@dataclass(frozen=True)
class Grid:
    """A window of a raster's first band (NaN for no data) and where it lies."""

    values: np.ndarray
    transform: Affine
    crs: CRS

    def at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Bilinear values at lon/lat points (NaN outside the grid or next to a no-data cell)."""
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if self.crs != WGS84:
            x, y = pyproj.Transformer.from_crs(WGS84, self.crs, always_xy=True).transform(x, y)
        t = self.transform
        col = (np.asarray(x) - t.c) / t.a - 0.5  # cell centres at integer positions
        row = (np.asarray(y) - t.f) / t.e - 0.5
        if not len(col):
            return np.empty(0)
        return ndimage.map_coordinates(self.values, [row, col], order=1, mode="constant", cval=np.nan)


def read_grid(ds: rasterio.DatasetReader, bounds_ll: tuple[float, float, float, float] | None = None) -> Grid:
    """The part of `ds`'s band 1 covering lon/lat `bounds_ll` (the whole raster when None), as floats."""
    window = None
    if bounds_ll is not None:
        west, south, east, north = bounds_ll
        if ds.crs != WGS84:
            west, south, east, north = pyproj.Transformer.from_crs(WGS84, ds.crs, always_xy=True).transform_bounds(
                west, south, east, north
            )
        w = rasterio.windows.from_bounds(west, south, east, north, ds.transform)
        # Two cells of margin for the interpolation, clipped to the raster.
        col0 = max(int(np.floor(w.col_off)) - 2, 0)
        row0 = max(int(np.floor(w.row_off)) - 2, 0)
        col1 = min(int(np.ceil(w.col_off + w.width)) + 2, ds.width)
        row1 = min(int(np.ceil(w.row_off + w.height)) + 2, ds.height)
        if col1 <= col0 or row1 <= row0:  # the raster lies elsewhere: every value is missing
            return Grid(np.full((1, 1), np.nan), ds.transform, ds.crs)
        window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
    data = ds.read(1, window=window, masked=True).astype(float)
    values = np.ma.filled(data, np.nan)
    transform = ds.window_transform(window) if window is not None else ds.transform
    return Grid(values, transform, ds.crs)
