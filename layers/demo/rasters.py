"""Synthetic rasters of the demo: a DEM and a fog-frequency grid over Hunan (deterministic).

Synthetic, not measured. The DEM follows the province's relief in outline: the Dongting lake plain in
the north below 50 m, low hills in the Xiang valley, and the mountain areas the generator already
treats as mountainous (`layers.demo.expressways.mountainous`: Wuling and Xuefeng in the west and
south-west, Nanling in the south, Luoxiao in the south-east) rising to 400–1,150 m, roughened there by
a sum of waves of 11–60 km with seeded phases. Fog frequency (days per year) is a low background,
higher in the humid basins and lowland river valleys, with the demo's fog hazard zones as its peaks:
so the raster and the zones it is meant to explain agree.

Both are ~1 km grids in lon/lat (EPSG:4326), written as GeoTIFFs and loaded with
`analysis.rasters.import_raster`, the path `daoan import raster` takes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio import features
from rasterio.transform import from_origin
from scipy import ndimage

from layers.demo.expressways import mountainous

CELL_DEG = 0.01  # ~1 km: coarse enough to load in about a second, fine enough for grades on 250 m segments


def _grid(bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray, object]:
    west, south, east, north = bounds
    west, south = np.floor(west / CELL_DEG) * CELL_DEG - 0.05, np.floor(south / CELL_DEG) * CELL_DEG - 0.05
    east, north = np.ceil(east / CELL_DEG) * CELL_DEG + 0.05, np.ceil(north / CELL_DEG) * CELL_DEG + 0.05
    width, height = round((east - west) / CELL_DEG), round((north - south) / CELL_DEG)
    lon = west + (np.arange(width) + 0.5) * CELL_DEG
    lat = north - (np.arange(height) + 0.5) * CELL_DEG
    transform = from_origin(west, north, CELL_DEG, CELL_DEG)
    lon_grid, lat_grid = np.meshgrid(lon, lat)
    return lon_grid, lat_grid, transform


def _waves(lon: np.ndarray, lat: np.ndarray, rng: np.random.Generator, wavelengths_km: tuple[float, ...]) -> np.ndarray:
    """A sum of plane waves of the given wavelengths in seeded directions and phases, in [-1, 1]."""
    x, y = lon * 101.0, lat * 111.0  # km, near enough at 27°N
    total = np.zeros_like(lon)
    for wl in wavelengths_km:
        angle, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        total += np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / wl + phase)
    return total / len(wavelengths_km)


def elevation(lon: np.ndarray, lat: np.ndarray, seed: int) -> np.ndarray:
    """Synthetic altitude in metres at lon/lat."""
    rng = np.random.default_rng(seed)
    mountain = ndimage.gaussian_filter(mountainous(lon, lat).astype(float), sigma=12.0)  # ~12 km foothills
    plain = np.exp(-(((lon - 112.5) / 0.7) ** 2 + ((lat - 29.0) / 0.45) ** 2))  # Dongting lake plain
    relief = _waves(lon, lat, rng, (60.0, 33.0, 19.0, 11.0))
    hills = 60.0 + 35.0 * (1 + _waves(lon, lat, rng, (25.0, 14.0))) * (1 - plain)
    high = 280.0 + 340.0 * (1 + relief)  # mostly 400–800 m, peaks to ~1,150 m
    z = 35.0 + hills * (1 - mountain) + high * mountain
    return np.round(z - 20.0 * plain, 1)


def fog_days(
    lon: np.ndarray, lat: np.ndarray, transform: object, fog_zones: list, z: np.ndarray, seed: int
) -> np.ndarray:
    """Synthetic fog days per year: 10–25 in the open, more in low basins, 60–90 on the fog zones."""
    rng = np.random.default_rng(seed + 1)
    base = 15.0 + 6.0 * _waves(lon, lat, rng, (40.0, 17.0)) + 8.0 * np.clip((300.0 - z) / 300.0, 0, 1)
    if fog_zones:
        mask = features.rasterize(
            [(g, 1) for g in fog_zones], out_shape=lon.shape, transform=transform, all_touched=True, dtype="uint8"
        ).astype(float)
        spread = ndimage.gaussian_filter(mask, sigma=2.5)
        spread /= max(float(spread.max()), 1e-9)
        base = base + 65.0 * np.maximum(spread, mask)
    return np.round(np.clip(base, 0.0, 365.0), 1)


def _write(path: Path, values: np.ndarray, transform: object) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=transform,
        nodata=-9999.0,
        compress="deflate",
    ) as ds:
        ds.write(values.astype("float32"), 1)
    return path


def write_rasters(
    directory: Path, bounds: tuple[float, float, float, float], fog_zones: list, seed: int
) -> dict[str, Path]:
    """The synthetic DEM and fog-frequency GeoTIFFs for lon/lat `bounds`, keyed by raster kind."""
    lon, lat, transform = _grid(bounds)
    z = elevation(lon, lat, seed)
    return {
        "dem": _write(directory / "demo_dem.tif", z, transform),
        "fog_frequency": _write(
            directory / "demo_fog_frequency.tif", fog_days(lon, lat, transform, fog_zones, z, seed), transform
        ),
    }
