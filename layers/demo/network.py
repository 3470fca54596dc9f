"""The road network being assembled: nodes and segments as numpy columns, and stake indexes of routes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.roads import DEFAULT_SPEED_KMH
from layers.demo.boundaries import CountyLookup
from layers.demo.geo import LinePlacer, line_lengths_m

# Segment columns with their fill values (object columns hold None where not set).
_OBJECT = ("road_class", "route_code", "name")
_FILL: dict[str, object] = {
    "oneway": False,
    "lanes": 0,
    "maxspeed_kmh": 0,
    "bridge": False,
    "tunnel": False,
    "start_stake_m": np.nan,
    "end_stake_m": np.nan,
}


class NetworkBuilder:
    """Collects nodes and segments (LCC and lon/lat vertices); `build()` makes the final columns."""

    def __init__(self) -> None:
        self._nodes: list[dict[str, np.ndarray]] = []
        self._parts: list[dict[str, np.ndarray]] = []
        self.n_nodes = 0
        self.n_segments = 0

    def add_nodes(
        self,
        xy: np.ndarray,
        lonlat: np.ndarray,
        *,
        interchange: bool | np.ndarray = False,
        names: list[str | None] | None = None,
    ) -> np.ndarray:
        """Append nodes; return their indices."""
        n = len(xy)
        self._nodes.append(
            {
                "xy": np.asarray(xy, dtype=float).reshape(n, 2),
                "lonlat": np.asarray(lonlat, dtype=float).reshape(n, 2),
                "interchange": np.broadcast_to(np.asarray(interchange, dtype=bool), (n,)).copy(),
                "name": np.array(names if names is not None else [None] * n, dtype=object),
            }
        )
        first = self.n_nodes
        self.n_nodes += n
        return np.arange(first, first + n)

    def add_segments(
        self,
        src: np.ndarray,
        dst: np.ndarray,
        coords: np.ndarray,
        coords_ll: np.ndarray,
        offsets: np.ndarray,
        **columns: object,
    ) -> np.ndarray:
        """Append segments (ragged vertices, scalar or per-segment columns); return their indices."""
        n = len(src)
        part: dict[str, np.ndarray] = {
            "src": np.asarray(src, dtype=np.int64),
            "dst": np.asarray(dst, dtype=np.int64),
            "coords": coords,
            "coords_ll": coords_ll,
            "counts": np.diff(offsets),
        }
        for key in (*_OBJECT, *_FILL):
            value = columns.pop(key, None if key in _OBJECT else _FILL[key])
            arr = np.empty(n, dtype=object) if key in _OBJECT else None
            if arr is not None:
                if isinstance(value, list | np.ndarray):
                    arr[:] = value
                else:
                    arr.fill(value)
                part[key] = arr
            else:
                part[key] = np.broadcast_to(np.asarray(value), (n,)).copy()
        if columns:
            raise TypeError(f"unknown segment columns: {sorted(columns)}")
        self._parts.append(part)
        first = self.n_segments
        self.n_segments += n
        return np.arange(first, first + n)

    def build(self, counties: CountyLookup) -> Network:
        """The final network: lengths, default speeds and counties computed for every segment."""
        nodes = {k: np.concatenate([p[k] for p in self._nodes]) for k in self._nodes[0]}
        seg = {k: np.concatenate([p[k] for p in self._parts]) for k in self._parts[0]}
        offsets = np.concatenate([[0], np.cumsum(seg.pop("counts"))])
        coords_ll = seg["coords_ll"]
        length = line_lengths_m(coords_ll[:, 0], coords_ll[:, 1], offsets)
        counts = np.diff(offsets)
        mid = offsets[:-1] + (counts - 1) // 2
        mid_ll = (coords_ll[mid] + coords_ll[mid + (counts % 2 == 0)]) / 2
        speed = np.array([DEFAULT_SPEED_KMH[c] for c in seg["road_class"]], dtype=np.int16)
        return Network(
            node_xy=nodes["xy"],
            node_ll=nodes["lonlat"],
            node_interchange=nodes["interchange"],
            node_name=nodes["name"],
            src=seg["src"],
            dst=seg["dst"],
            offsets=offsets,
            coords=seg["coords"],
            coords_ll=coords_ll,
            road_class=seg["road_class"],
            route_code=seg["route_code"],
            name=seg["name"],
            oneway=seg["oneway"],
            lanes=seg["lanes"],
            maxspeed_kmh=seg["maxspeed_kmh"],
            bridge=seg["bridge"],
            tunnel=seg["tunnel"],
            start_stake_m=seg["start_stake_m"],
            end_stake_m=seg["end_stake_m"],
            length_m=length,
            default_speed_kmh=speed,
            county=counties.lookup(mid_ll[:, 0], mid_ll[:, 1]),
        )


@dataclass
class Network:
    """The final road network as columns; row i of the segment columns is road_segments id i + 1."""

    node_xy: np.ndarray
    node_ll: np.ndarray
    node_interchange: np.ndarray
    node_name: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    offsets: np.ndarray
    coords: np.ndarray
    coords_ll: np.ndarray
    road_class: np.ndarray
    route_code: np.ndarray
    name: np.ndarray
    oneway: np.ndarray
    lanes: np.ndarray
    maxspeed_kmh: np.ndarray
    bridge: np.ndarray
    tunnel: np.ndarray
    start_stake_m: np.ndarray
    end_stake_m: np.ndarray
    length_m: np.ndarray
    default_speed_kmh: np.ndarray
    county: np.ndarray
    _placer: LinePlacer | None = None

    @property
    def placer(self) -> LinePlacer:
        """Places points along segments (LCC metres)."""
        if self._placer is None:
            self._placer = LinePlacer(self.coords, self.offsets)
        return self._placer

    def stake_at(self, seg: np.ndarray, fraction: np.ndarray) -> np.ndarray:
        """Stake (m) at `fraction` along segments `seg` (NaN where the segment has no stakes)."""
        a, b = self.start_stake_m[seg], self.end_stake_m[seg]
        return a + np.asarray(fraction) * (b - a)


@dataclass
class RouteIndex:
    """Where each stake of a route lies: its segments per direction, sorted along the route."""

    fwd_seg: np.ndarray
    fwd_start: np.ndarray
    fwd_end: np.ndarray
    bwd_seg: np.ndarray  # backward carriageway: start stake > end stake
    bwd_start: np.ndarray
    bwd_end: np.ndarray

    @classmethod
    def from_segments(cls, seg: np.ndarray, start: np.ndarray, end: np.ndarray) -> RouteIndex:
        """Index of segments `seg` with stakes; those with start > end are the backward direction."""
        fwd = start <= end
        fo = np.argsort(start[fwd], kind="stable")
        bo = np.argsort(end[~fwd], kind="stable")
        return cls(seg[fwd][fo], start[fwd][fo], end[fwd][fo], seg[~fwd][bo], start[~fwd][bo], end[~fwd][bo])

    @property
    def first_m(self) -> float:
        """The route's first stake."""
        return float(self.fwd_start[0]) if len(self.fwd_start) else float(self.bwd_end[0])

    @property
    def last_m(self) -> float:
        """The route's last stake."""
        return float(self.fwd_end[-1]) if len(self.fwd_end) else float(self.bwd_start[-1])

    def locate(self, stake_m: np.ndarray, *, backward: bool | np.ndarray = False) -> tuple[np.ndarray, np.ndarray]:
        """(segment, fraction) at each stake in the given direction; segment -1 where none covers it."""
        stake_m = np.atleast_1d(np.asarray(stake_m, dtype=float))
        backward = np.broadcast_to(np.asarray(backward, dtype=bool), stake_m.shape)
        seg = np.full(stake_m.shape, -1, dtype=np.int64)
        frac = np.zeros(stake_m.shape)
        for back, (segs, lo, hi) in (
            (False, (self.fwd_seg, self.fwd_start, self.fwd_end)),
            (True, (self.bwd_seg, self.bwd_end, self.bwd_start)),
        ):
            sel = np.flatnonzero(backward == back)
            if not len(sel) or not len(segs):
                continue
            i = np.clip(np.searchsorted(lo, stake_m[sel], side="right") - 1, 0, len(lo) - 1)
            ok = (stake_m[sel] >= lo[i]) & (stake_m[sel] <= hi[i])
            span = np.where(hi[i] > lo[i], hi[i] - lo[i], 1.0)
            f = (stake_m[sel] - lo[i]) / span
            seg[sel[ok]] = segs[i[ok]]
            frac[sel[ok]] = np.where(back, 1.0 - f, f)[ok]
        return seg, frac
