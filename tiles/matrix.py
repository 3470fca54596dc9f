"""The WebMercatorQuad tile matrix set: tile addresses, their bounds and the tiles covering a box."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from gis.errors import InvalidParameter, NotFound

MAX_ZOOM = 22  # deepest tile matrix served
DATA_MAXZOOM = 16  # tiles carry full detail from here on; clients overzoom beyond it
EXTENT = 4096  # MVT tile extent
ORIGIN_M = 20037508.342789244  # half the Web Mercator world width in metres
WORLD_M = 2 * ORIGIN_M
MAX_LAT = 85.0511287798066


@dataclass(frozen=True, order=True)
class TileAddress:
    """A tile of WebMercatorQuad in XYZ order (y grows southwards)."""

    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"

    @property
    def span_m(self) -> float:
        """Width of the tile in EPSG:3857 metres."""
        return WORLD_M / (1 << self.z)

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the tile in degrees."""
        n = 1 << self.z
        west = self.x / n * 360.0 - 180.0
        east = (self.x + 1) / n * 360.0 - 180.0
        north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * self.y / n))))
        south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (self.y + 1) / n))))
        return (west, south, east, north)


def _int(text: str, name: str) -> int:
    try:
        return int(text, 10)
    except (TypeError, ValueError):
        raise InvalidParameter(f'{name} must be a whole number; got "{text}"', parameter=name) from None


def parse_tile(z: str, x: str, y: str, *, names: tuple[str, str, str] = ("z", "x", "y")) -> TileAddress:
    """A tile address from path text: 400 when not integers, 404 when outside the matrix set."""
    zi, xi, yi = _int(z, names[0]), _int(x, names[1]), _int(y, names[2])
    if not 0 <= zi <= MAX_ZOOM:
        raise NotFound(f"tile matrix {zi} does not exist; WebMercatorQuad has 0 to {MAX_ZOOM}", parameter=names[0])
    n = 1 << zi
    for value, name in ((xi, names[1]), (yi, names[2])):
        if not 0 <= value < n:
            raise NotFound(f"{name}={value} is outside tile matrix {zi}, which has 0 to {n - 1}", parameter=name)
    return TileAddress(zi, xi, yi)


def lonlat_to_tile(lon: float, lat: float, z: int) -> TileAddress:
    """The tile of zoom `z` containing the point (clamped to the matrix)."""
    n = 1 << z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return TileAddress(z, min(max(x, 0), n - 1), min(max(y, 0), n - 1))


def tiles_covering(bbox: tuple[float, float, float, float], z: int) -> Iterator[TileAddress]:
    """Every tile of zoom `z` meeting the box (west, south, east, north) in degrees, row by row."""
    west, south, east, north = bbox
    top_left = lonlat_to_tile(west, north, z)
    bottom_right = lonlat_to_tile(east, south, z)
    for x in range(top_left.x, bottom_right.x + 1):
        for y in range(top_left.y, bottom_right.y + 1):
            yield TileAddress(z, x, y)


def count_covering(bbox: tuple[float, float, float, float], z: int) -> int:
    """How many tiles tiles_covering(bbox, z) yields."""
    top_left = lonlat_to_tile(bbox[0], bbox[3], z)
    bottom_right = lonlat_to_tile(bbox[2], bbox[1], z)
    return (bottom_right.x - top_left.x + 1) * (bottom_right.y - top_left.y + 1)


def parse_zooms(text: str) -> range:
    """'5-12' or '7' as a range of zoom levels within the matrix set."""
    try:
        first, _, last = text.partition("-")
        zooms = range(int(first), int(last or first) + 1)
    except ValueError:
        raise InvalidParameter(f'zooms must be N or N-M, e.g. 5-12; got "{text}"', parameter="zooms") from None
    if not zooms or zooms.start < 0 or zooms.stop - 1 > MAX_ZOOM:
        raise InvalidParameter(f'zooms must lie within 0-{MAX_ZOOM} with N <= M; got "{text}"', parameter="zooms")
    return zooms
