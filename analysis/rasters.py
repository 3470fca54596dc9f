"""`daoan import raster`: store a raster of a kind and derive what Daoan keeps from it, atomically.

The file is checked (analysis/raster_files.py), copied as a compressed GeoTIFF under
var/rasters/<kind>-<checksum>.tif and recorded in `rasters` (one row per kind). In the same
transaction the values along the road segments are derived from it: from a DEM the segments'
altitude and grade (segment_terrain) and the long downgrades and high icing sections (hazard_zones
of source 'dem'); from any other kind the mean and max along each segment (segment_raster_values).
A re-import of a kind replaces all of that at once; a failure leaves the previous raster in force.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
import shapely
import sqlalchemy as sa
from rasterio.warp import transform_bounds
from sqlalchemy.engine import Connection, Engine

from analysis.criteria import Criteria, default_criteria
from analysis.dem_hazards import find_zones, store_zones
from analysis.raster_files import GDAL_OPTIONS, opened_raster
from analysis.sampling import WGS84, read_grid
from analysis.segments import Segments, read_segments
from analysis.terrain import store_terrain, store_values, terrain, values_along
from gis.errors import InvalidParameter, NotFound
from gis.settings import Settings
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)

KIND = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DEM = "dem"
# Kinds Daoan knows the meaning of (any other well-formed kind is kept and sampled the same way).
KNOWN_KINDS = {
    "dem": "altitude, metres",
    "fog_frequency": "fog days per year",
    "traffic_volume": "vehicles per day (AADT)",
    "rainfall": "mm per year",
}


@dataclass
class RasterReport:
    kind: str
    file: str
    checksum: str
    crs: str
    width: int
    height: int
    resolution_m: float
    extent: tuple[float, float, float, float]
    replaced: bool = False
    derived: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": self.file,
            "checksum": self.checksum,
            "crs": self.crs,
            "width": self.width,
            "height": self.height,
            "resolution_m": round(self.resolution_m, 2),
            "extent": list(self.extent),
            "replaced": self.replaced,
            "derived": self.derived,
        }

    def summary(self) -> str:
        lines = [
            f"raster {self.kind}: {self.width}×{self.height} cells of about {self.resolution_m:.0f} m ({self.crs}), "
            f"{'replacing the previous one' if self.replaced else 'new'}; stored as var/rasters/{self.file}"
        ]
        lines += [f"  {k:<28} {v:>10,}" for k, v in self.derived.items()]
        return "\n".join(lines)


def check_kind(kind: str) -> str:
    if not KIND.match(kind or ""):
        raise InvalidParameter(
            f"kind {kind!r}: use lower-case letters, digits and _ (2–40 characters), e.g. " + ", ".join(KNOWN_KINDS),
            parameter="kind",
        )
    return kind


def raster_dir(settings: Settings) -> Path:
    return settings.var_dir / "rasters"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _crs_text(crs: rasterio.crs.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _resolution_m(ds: rasterio.DatasetReader, extent: tuple[float, float, float, float]) -> float:
    rx, ry = ds.res
    if ds.crs.is_geographic:
        lat = np.radians((extent[1] + extent[3]) / 2)
        return float((rx * np.cos(lat) + ry) / 2 * 111_320.0)
    return float((rx + ry) / 2 * ds.crs.linear_units_factor[1])


def import_raster(
    engine: Engine,
    settings: Settings,
    kind: str,
    path: Path,
    *,
    imported_by: str,
    source_name: str | None = None,
    criteria: Criteria | None = None,
    segments: Segments | None = None,
) -> RasterReport:
    """Store the raster at `path` as the current one of `kind` and derive its segment values (one
    transaction); InvalidParameter naming the file when it is no usable raster. `segments`: the road
    segments as stored, when the caller holds them already (the demo, which has just written them)."""
    started = time.perf_counter()
    check_kind(kind)
    shown = source_name or path.name
    checksum = _sha256(path)
    store = raster_dir(settings)
    store.mkdir(parents=True, exist_ok=True)
    stored_name = f"{kind}-{checksum[:16]}.tif"
    with tempfile.TemporaryDirectory(prefix="daoan-raster-") as tmp, opened_raster(path, Path(tmp), shown=shown) as ds:
        try:
            extent = transform_bounds(ds.crs, WGS84, *ds.bounds, densify_pts=21)
        except Exception:
            raise InvalidParameter(f"{shown}: its extent cannot be placed on the earth", parameter="file") from None
        if not (-180 <= extent[0] < extent[2] <= 180 and -90 <= extent[1] < extent[3] <= 90):
            raise InvalidParameter(f"{shown}: its extent {extent} is not on the earth", parameter="file")
        report = RasterReport(
            kind, stored_name, checksum, _crs_text(ds.crs), ds.width, ds.height, _resolution_m(ds, extent), extent
        )
        nodata = ds.nodata
        res_x, res_y = (float(abs(r)) for r in ds.res)
        target = store / stored_name
        if not target.exists():
            partial = store / f".{stored_name}.{os.getpid()}.part"
            with rasterio.Env(**GDAL_OPTIONS):
                rasterio.shutil.copy(ds, partial, driver="GTiff", COMPRESS="DEFLATE", TILED="YES")
            os.replace(partial, target)
    row = {
        "kind": kind,
        "file": stored_name,
        "crs": report.crs,
        "width": report.width,
        "height": report.height,
        "resolution_x": res_x,
        "resolution_y": res_y,
        "resolution_m": report.resolution_m,
        "nodata": None if nodata is None or not np.isfinite(nodata) else float(nodata),
        "checksum": checksum,
        "source_file": shown,
        "imported_by": imported_by,
        "extent": shapely.box(*extent).wkt,
    }
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('daoan raster ' || :kind))"), {"kind": kind})
            previous = conn.execute(sa.text(load_sql("queries/raster_upsert.sql")), row).scalar()
            report.replaced = previous is not None
            report.derived = derive(conn, settings, kind, target, criteria, segments)
    except BaseException:
        if previous_file_unused(engine, stored_name):
            target.unlink(missing_ok=True)
        raise
    if report.replaced and previous and previous != stored_name and previous_file_unused(engine, previous):
        (store / previous).unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    log.info("raster %s imported in %.1f s: %s", kind, report.seconds, report.derived)
    return report


def previous_file_unused(engine: Engine, name: str) -> bool:
    """True when no raster row names the stored file `name` (so it may be removed)."""
    try:
        with engine.connect() as conn:
            return not conn.execute(
                sa.text("SELECT EXISTS (SELECT 1 FROM rasters WHERE file = :f)"), {"f": name}
            ).scalar()
    except sa.exc.SQLAlchemyError:
        return False


def derive(
    conn: Connection,
    settings: Settings,
    kind: str,
    path: Path,
    criteria: Criteria | None = None,
    segments: Segments | None = None,
) -> dict[str, int]:
    """Recompute what Daoan keeps from the stored raster `path` of `kind`, in `conn`'s transaction."""
    criteria = criteria or default_criteria()
    extent = conn.execute(sa.text("SELECT ST_AsText(extent) FROM rasters WHERE kind = :k"), {"k": kind}).scalar_one()
    segs = segments if segments is not None else read_segments(conn, extent)
    with rasterio.Env(**GDAL_OPTIONS), rasterio.open(path, driver="GTiff") as ds:
        bounds = tuple(shapely.total_bounds(segs.geom)) if len(segs) else None
        grid = read_grid(ds, bounds)  # type: ignore[arg-type]
        resolution = float(
            conn.execute(sa.text("SELECT resolution_m FROM rasters WHERE kind = :k"), {"k": kind}).scalar_one()
        )
    # Every step_m, but no closer than half a cell: finer samples of a coarse grid add nothing.
    step = max(criteria.step_m, resolution / 2)
    if kind == DEM:
        values = terrain(segs, grid, step)
        n_terrain = store_terrain(conn, segs, values)
        zones = find_zones(segs, grid, criteria)
        n_zones = store_zones(conn, zones, criteria.buffer_m)
        return {
            "segment_terrain": n_terrain,
            "segments_with_altitude": int((values.samples > 0).sum()),
            "long_downgrade_zones": sum(z.kind == "steep_grade" for z in zones),
            "icing_zones": sum(z.kind == "ice" for z in zones),
            "hazard_zones": n_zones,
        }
    mean, hi = values_along(segs, grid, step)
    return {"segment_raster_values": store_values(conn, kind, segs, mean, hi)}


def recompute(engine: Engine, settings: Settings, kind: str = DEM, criteria: Criteria | None = None) -> dict[str, int]:
    """Derive again from the stored raster of `kind` (after the roads or the criteria changed)."""
    check_kind(kind)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('daoan raster ' || :kind))"), {"kind": kind})
        name = conn.execute(sa.text("SELECT file FROM rasters WHERE kind = :k"), {"k": kind}).scalar()
        if name is None:
            raise NotFound(
                f"no raster of kind {kind!r} is imported: run `daoan import raster --kind {kind} FILE` first",
                parameter="kind",
            )
        path = raster_dir(settings) / name
        if not path.exists():
            raise NotFound(
                f"the stored raster file var/rasters/{name} is missing: import the {kind} raster again",
                parameter="kind",
            )
        return derive(conn, settings, kind, path, criteria)
