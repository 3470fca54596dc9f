"""Coordinate systems of imported files and their conversion to WGS84 on every vertex."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from gis import chinacrs
from gis.errors import InvalidParameter

_WGS84_NAMES = {"wgs84", "wgs-84", "wgs 84", "crs84", "cgcs2000", "cgcs-2000", "epsg:4326", "epsg:4490", "4326", "4490"}
_GCJ02_NAMES = {"gcj02", "gcj-02", "gcj", "amap", "tencent"}
_BD09_NAMES = {"bd09", "bd-09", "baidu"}
_WGS84_ELLIPSOIDS = {"WGS 84", "CGCS2000"}
ACCEPTED = "wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN"


@dataclass(frozen=True)
class CoordinateSystem:
    """How the coordinates of a file relate to WGS84: unchanged, GCJ-02, BD-09 or a pyproj CRS."""

    label: str
    kind: str  # "wgs84", "gcj02", "bd09" or "proj"
    transformer: pyproj.Transformer | None = None

    @property
    def is_wgs84(self) -> bool:
        return self.kind == "wgs84"

    def to_wgs84(self, geom: BaseGeometry) -> BaseGeometry:
        """`geom` with every vertex converted to WGS84 longitude/latitude."""
        if self.kind == "wgs84":
            return geom
        return shapely.transform(geom, self._convert_xy)

    def _convert_xy(self, xy: np.ndarray) -> np.ndarray:
        if self.kind in ("gcj02", "bd09"):
            lon, lat = chinacrs.to_wgs84(self.kind, xy[:, 0], xy[:, 1])
        else:
            if self.transformer is None:
                raise RuntimeError(f"coordinate system {self.label} has no transformer")
            lon, lat = self.transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])


WGS84 = CoordinateSystem("WGS84", "wgs84")


def _is_wgs84_like(crs: pyproj.CRS) -> bool:
    """True for geographic CRSs within a metre of WGS84 (WGS84 itself, CRS84, CGCS2000)."""
    return bool(
        crs.is_geographic
        and crs.ellipsoid is not None
        and crs.ellipsoid.name in _WGS84_ELLIPSOIDS
        and crs.prime_meridian is not None
        and crs.prime_meridian.longitude == 0
    )


def crs_label(crs: pyproj.CRS) -> str:
    """'EPSG:3857' for a CRS with an authority code, else its name."""
    authority = crs.to_authority(min_confidence=70)
    return f"{authority[0]}:{authority[1]}" if authority else crs.name


def from_pyproj(crs: pyproj.CRS) -> CoordinateSystem:
    """The coordinate system of a pyproj CRS (WGS84-like ones are taken as they are)."""
    label = crs_label(crs)
    if _is_wgs84_like(crs):
        return CoordinateSystem(label, "wgs84")
    transformer = pyproj.Transformer.from_crs(crs, pyproj.CRS.from_epsg(4326), always_xy=True)
    return CoordinateSystem(label, "proj", transformer)


def parse_crs_option(text: str | None) -> CoordinateSystem | None:
    """The coordinate system named by --crs; None when not given. InvalidParameter for unknown names."""
    if text is None or not text.strip():
        return None
    key = text.strip().lower()
    if key in _WGS84_NAMES:
        return CoordinateSystem("CGCS2000" if "4490" in key or "cgcs" in key else "WGS84", "wgs84")
    if key in _GCJ02_NAMES:
        return CoordinateSystem("GCJ-02", "gcj02")
    if key in _BD09_NAMES:
        return CoordinateSystem("BD-09", "bd09")
    code = re.fullmatch(r"(?:epsg:)?(\d{4,6})", key)
    try:
        crs = pyproj.CRS.from_epsg(int(code.group(1))) if code else pyproj.CRS.from_user_input(text.strip())
    except CRSError:
        raise InvalidParameter(f"unknown coordinate system {text!r}; use {ACCEPTED}", parameter="crs") from None
    return from_pyproj(crs)


def resolve(option: str | None, declared: pyproj.CRS | None) -> tuple[CoordinateSystem, str | None]:
    """The coordinate system to read a file with, and a note when the file's own CRS decided it.

    WGS84 is the default of --crs, so a WGS84 option gives way to a non-WGS84 CRS the file declares
    (a file in EPSG:4547 is never in WGS84); any other option overrides what the file declares,
    because Chinese web-map data is routinely labelled EPSG:4326 while being GCJ-02.
    """
    chosen = parse_crs_option(option)
    if declared is None:
        return chosen or WGS84, None
    from_file = from_pyproj(declared)
    if chosen is None or chosen.is_wgs84:
        if from_file.is_wgs84:
            return chosen or from_file, None
        return from_file, f"coordinates read in the file's own CRS {from_file.label} and reprojected to WGS84"
    if not from_file.is_wgs84 and chosen.label != from_file.label:
        return chosen, f"--crs {chosen.label} used although the file declares {from_file.label}"
    return chosen, None
