"""WGS84 ⇄ GCJ-02 (Amap, Tencent) ⇄ BD-09 (Baidu), vectorised with NumPy.

GCJ-02 is WGS84 plus a published polynomial offset (300–600 m in Hunan), applied only inside
China; BD-09 adds Baidu's rotation and shift on top. The inverse of GCJ-02 has no closed form,
so it is solved by fixed-point iteration to well under a centimetre.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 algorithm uses
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

Array = NDArray[np.float64]


def _in_china(lon: Array, lat: Array) -> NDArray[np.bool_]:
    return (lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55)


def _offset(lon: Array, lat: Array) -> tuple[Array, Array]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 coordinates of WGS84 points."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 8) -> tuple[Array, Array]:
    """WGS84 coordinates of GCJ-02 points (iterated exact inverse, error far below 1 cm)."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (f_lon - g_lon), w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 coordinates of GCJ-02 points."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 4) -> tuple[Array, Array]:
    """GCJ-02 coordinates of BD-09 points (closed form, refined by iteration against the forward map)."""
    b_lon, b_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = b_lon - 0.0065, b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        g_lon, g_lat = g_lon - (f_lon - b_lon), g_lat - (f_lat - b_lat)
    return g_lon, g_lat


def to_wgs84(crs: str, lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 coordinates of points given in 'gcj02', 'bd09' or 'wgs84'."""
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(crs: str, lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Coordinates in 'gcj02', 'bd09' or 'wgs84' of WGS84 points."""
    if crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if crs == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
