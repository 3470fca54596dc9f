"""Per-segment values from a raster: altitude and grade from a DEM, mean and max from any other.

Tunnels and bridges get no DEM values: the DEM gives the ground above a tunnel and the valley
below a bridge, not the road. Every sample of a segment lies on its line (analysis/sampling.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.bulk import bulk_replace
from analysis.sampling import Grid, along
from analysis.segments import Segments
from gis.bulk import copy_rows
from gis.sqlfiles import load_sql


@dataclass(frozen=True)
class Terrain:
    """Per segment (arrays aligned with Segments); NaN where unknown."""

    samples: np.ndarray
    altitude_min_m: np.ndarray
    altitude_mean_m: np.ndarray
    altitude_max_m: np.ndarray
    grade_pct: np.ndarray
    max_grade_pct: np.ndarray
    climb_m: np.ndarray
    descent_m: np.ndarray


def _reduce(values: np.ndarray, starts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """min, mean, max and count of the non-NaN `values` of each run beginning at `starts` (n runs)."""
    valid = ~np.isnan(values)
    count = np.add.reduceat(valid.astype(np.int64), starts) if n else np.zeros(0, np.int64)
    if not n:
        empty = np.zeros(0)
        return empty, empty, empty, count
    lo = np.fmin.reduceat(values, starts)
    hi = np.fmax.reduceat(values, starts)
    total = np.add.reduceat(np.where(valid, values, 0.0), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return lo, mean, hi, count


def terrain(segments: Segments, dem: Grid, step_m: float) -> Terrain:
    """Altitude (min/mean/max), end-to-end grade, steepest step, climb and descent of each open-air
    segment, from the DEM sampled every `step_m` along it."""
    n = len(segments)
    samples = along(segments.geom, segments.length_m, step_m)
    z = dem.at(samples.lon, samples.lat)
    z[(segments.bridge | segments.tunnel)[samples.line]] = np.nan
    lo, mean, hi, count = _reduce(z, samples.starts, n)
    ends = np.append(samples.starts[1:], len(z)) - 1 if n else np.zeros(0, np.int64)
    length = segments.length_m
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = np.where(length > 0, (z[ends] - z[samples.starts]) / length * 100.0, np.nan)
        dz = np.diff(z)
        dd = np.diff(samples.distance_m)
        same = samples.line[1:] == samples.line[:-1]
        dz = np.where(same, dz, np.nan)
        steps = np.where(same & (dd > 0), np.abs(dz) / np.where(dd > 0, dd, 1.0) * 100.0, np.nan)
    # Step i joins sample i and i + 1, both of the line of sample i: reduce over the same starts
    # (a line's last sample starts no step of its own; its slot holds NaN).
    steps = np.append(steps, np.nan)
    dz = np.append(dz, np.nan)
    _, _, steepest, _ = _reduce(steps, samples.starts, n) if n else (None, None, np.zeros(0), None)
    climb = np.add.reduceat(np.where(dz > 0, dz, 0.0), samples.starts) if n else np.zeros(0)
    descent = np.add.reduceat(np.where(dz < 0, -dz, 0.0), samples.starts) if n else np.zeros(0)
    unknown = count == 0
    climb[unknown] = np.nan
    descent[unknown] = np.nan
    return Terrain(count, lo, mean, hi, grade, steepest, climb, descent)


def store_terrain(conn: Connection, segments: Segments, values: Terrain) -> int:
    """Replace every segment_terrain row with `values` (the geometry is copied from road_segments)."""
    conn.execute(sa.text(load_sql("queries/raster_terrain_stage.sql")))

    def num(a: np.ndarray) -> list[object]:
        out = np.round(a, 3).astype(object)
        out[np.isnan(a)] = None
        return list(out.tolist())

    structure = segments.structure
    rows = zip(
        segments.id.tolist(),
        structure.tolist(),
        num(values.altitude_min_m),
        num(values.altitude_mean_m),
        num(values.altitude_max_m),
        num(values.grade_pct),
        num(values.max_grade_pct),
        num(values.climb_m),
        num(values.descent_m),
        values.samples.tolist(),
        strict=True,
    )
    columns = (
        "id",
        "structure",
        "altitude_min_m",
        "altitude_mean_m",
        "altitude_max_m",
        "grade_pct",
        "max_grade_pct",
        "climb_m",
        "descent_m",
        "samples",
    )
    copy_rows(conn, "raster_terrain_stage", columns, rows)
    with bulk_replace(conn, "segment_terrain", len(segments)) as owner:
        # The owner empties the table at once; the application role may only DELETE.
        empty = "queries/raster_terrain_truncate.sql" if owner else "queries/raster_terrain_delete.sql"
        conn.execute(sa.text(load_sql(empty)))
        return int(conn.execute(sa.text(load_sql("queries/raster_terrain_replace.sql"))).rowcount)


def values_along(segments: Segments, grid: Grid, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and max of the raster sampled every `step_m` along each segment (NaN where it has none)."""
    samples = along(segments.geom, segments.length_m, step_m)
    v = grid.at(samples.lon, samples.lat)
    _, mean, hi, _ = _reduce(v, samples.starts, len(segments))
    return mean, hi


def store_values(conn: Connection, kind: str, segments: Segments, mean: np.ndarray, hi: np.ndarray) -> int:
    """Replace the segment_raster_values of `kind` (segments without a value get no row)."""
    keep = ~np.isnan(mean)
    rows = zip(
        segments.id[keep].tolist(),
        [kind] * int(keep.sum()),
        np.round(mean[keep], 4).tolist(),
        np.round(hi[keep], 4).tolist(),
        strict=True,
    )
    with bulk_replace(conn, "segment_raster_values", int(keep.sum())):
        conn.execute(sa.text(load_sql("queries/raster_values_delete.sql")), {"kind": kind})
        return copy_rows(conn, "segment_raster_values", ("segment_id", "kind", "mean", "max"), rows)
