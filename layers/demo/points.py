"""Rows of the point-facility tables, placed on segments (linearly referenced as placed) or off-road."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import shapely

from gis.stake import format_stake

if TYPE_CHECKING:
    from layers.demo.generate import DemoWorld

STATUS = np.array(["active", "inactive", "planned"], dtype=object)
LINREF = ("segment", "route_code", "stake_m", "offset_m", "road_distance_m", "county_adcode")


class PointTable:
    """The rows of one point table: lon/lat, linear reference and the table's own columns.

    A row with segment -1 is linearly referenced in SQL after loading (off-road layers).
    """

    def __init__(self, table: str, source: str = "synthetic") -> None:
        self.table = table
        self.source = source
        self._batches: list[dict[str, np.ndarray]] = []

    def add(self, world: DemoWorld, batch: dict[str, np.ndarray]) -> None:
        """Append a batch (all arrays of one length), leaving out points outside the area."""
        keep = shapely.contains_xy(world.area_ll, batch["lon"], batch["lat"])
        if keep.any():
            self._batches.append({k: np.asarray(v)[keep] for k, v in batch.items()})

    def __len__(self) -> int:
        return sum(len(b["lon"]) for b in self._batches)

    def columns(self) -> dict[str, np.ndarray]:
        """All batches concatenated, with the `stake` text column derived from `stake_m`."""
        if not self._batches:
            return {}
        keys = self._batches[0].keys()
        cols: dict[str, np.ndarray] = {}
        for k in keys:
            parts = [b[k] for b in self._batches]
            cols[k] = np.concatenate([p.astype(object) if p.dtype == object else p for p in parts])
        stake_m = cols["stake_m"].astype(float)
        cols["stake"] = np.array([None if np.isnan(s) else format_stake(s) for s in stake_m.tolist()], dtype=object)
        return cols


def on_road(
    world: DemoWorld, seg: np.ndarray, fraction: np.ndarray, lateral_m: np.ndarray | float, **columns: object
) -> dict[str, np.ndarray]:
    """A batch of points at `fraction` along segments `seg`, `lateral_m` to their left (negative: right)."""
    net = world.network
    seg = np.asarray(seg, dtype=np.int64)
    fraction = np.asarray(fraction, dtype=float)
    lateral = np.broadcast_to(np.asarray(lateral_m, dtype=float), seg.shape).copy()
    pts, _ = net.placer.place(seg, fraction, lateral)
    lon, lat = world.proj.to_lonlat(pts[:, 0], pts[:, 1])
    batch: dict[str, np.ndarray] = {
        "lon": lon,
        "lat": lat,
        "segment": seg,
        "route_code": net.route_code[seg],
        "stake_m": np.round(net.stake_at(seg, fraction), 2),
        "offset_m": np.round(lateral, 2),
        "road_distance_m": np.round(np.abs(lateral), 2),
        "county_adcode": world.counties.lookup(lon, lat),
    }
    return batch | _broadcast(columns, len(seg))


def off_road(world: DemoWorld, lon: np.ndarray, lat: np.ndarray, **columns: object) -> dict[str, np.ndarray]:
    """A batch of points referenced to the nearest road later, in SQL."""
    n = len(lon)
    batch: dict[str, np.ndarray] = {
        "lon": np.asarray(lon, dtype=float),
        "lat": np.asarray(lat, dtype=float),
        "segment": np.full(n, -1, dtype=np.int64),
        "route_code": np.full(n, None, dtype=object),
        "stake_m": np.full(n, np.nan),
        "offset_m": np.full(n, np.nan),
        "road_distance_m": np.full(n, np.nan),
        "county_adcode": world.counties.lookup(lon, lat),
    }
    return batch | _broadcast(columns, n)


def _broadcast(columns: dict[str, object], n: int) -> dict[str, np.ndarray]:
    out = {}
    for k, v in columns.items():
        if isinstance(v, np.ndarray) and v.shape == (n,):
            out[k] = v
        elif isinstance(v, list):
            arr = np.empty(n, dtype=object)
            arr[:] = v
            out[k] = arr
        else:
            arr = np.empty(n, dtype=object)
            arr.fill(v)
            out[k] = arr
    return out


def status_and_year(rng: np.random.Generator, n: int, first: int, last: int) -> dict[str, np.ndarray]:
    """Mostly active facilities installed between `first` and `last` (a day within the year); planned ones
    have no date; inactive ones were retired on a day between a year after installation and the end of 2025.
    The days come from a generator of their own, so the rest of the demo draws what it drew before."""
    status = STATUS[rng.choice(3, n, p=[0.92, 0.04, 0.04])]
    year = rng.integers(first, last + 1, n).astype(object)
    year[status == "planned"] = None
    days = np.random.default_rng([n, first, last, int(np.count_nonzero(status == "inactive"))])
    installed = np.empty(n, object)
    retired = np.empty(n, object)
    for i, (y, st) in enumerate(zip(year.tolist(), status.tolist(), strict=True)):
        if y is None:
            continue
        day = dt.date(int(y), 1, 1) + dt.timedelta(days=int(days.integers(0, 365)))
        installed[i] = day
        if st == "inactive":
            start = day + dt.timedelta(days=365)
            retired[i] = start + dt.timedelta(days=int(days.integers(0, max(1, (RETIRED_BY - start).days))))
    return {"status": status, "install_year": year, "install_date": installed, "retired_on": retired}


# The demo's inactive facilities were retired by this day.
RETIRED_BY = dt.date(2025, 12, 31)
