"""One route (and direction) as a line of stakes: which county and segment lie at each stake.

A RouteLine partitions the stake axis of a route into elementary intervals; each is either
covered by a segment (one representative id, its county) or a hole. Where two segments overlap
(the two carriageways of a divided road merged into one undirected line) the stretch is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_SEGMENT = -1


@dataclass(frozen=True)
class RouteLine:
    """Stake partition of one route in one direction ('up', 'down' or 'both')."""

    route_code: str
    group: str
    direction: str
    breaks: np.ndarray  # stake of each breakpoint, ascending, len n + 1
    segment: np.ndarray  # representative segment id of each elementary interval, NO_SEGMENT for holes
    county: np.ndarray  # county adcode of each elementary interval ('' when unknown)

    @property
    def lengths(self) -> np.ndarray:
        """Length of each elementary interval (m)."""
        return np.diff(self.breaks)

    @property
    def covered(self) -> np.ndarray:
        """Whether each elementary interval lies on a segment."""
        return self.segment != NO_SEGMENT

    @property
    def length_m(self) -> float:
        """Covered length of the line (m)."""
        return float(self.lengths[self.covered].sum())

    def runs(self, join_tolerance_m: float = 0.0) -> list[tuple[float, float]]:
        """Maximal covered stretches (from, to), holes up to `join_tolerance_m` bridged."""
        idx = np.flatnonzero(self.covered)
        if len(idx) == 0:
            return []
        lo, hi = self.breaks[idx], self.breaks[idx + 1]
        new = np.ones(len(idx), bool)
        new[1:] = lo[1:] - hi[:-1] > join_tolerance_m
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:] - 1, len(idx) - 1)
        return list(zip(lo[starts].tolist(), hi[ends].tolist(), strict=True))

    def locate(self, stake_m: float) -> int:
        """Index of the elementary interval holding `stake_m` (the nearest covered one at a boundary), or -1."""
        i = int(np.searchsorted(self.breaks, stake_m, side="right")) - 1
        n = len(self.segment)
        if i >= n and n and stake_m <= self.breaks[-1]:
            i = n - 1
        for j in (i, i - 1, i + 1):
            if 0 <= j < n and self.segment[j] != NO_SEGMENT and self.breaks[j] <= stake_m <= self.breaks[j + 1]:
                return j
        return -1

    def length_by_county(self, lo: float, hi: float) -> dict[str, float]:
        """Covered length of [lo, hi] in each county (m)."""
        i0 = max(int(np.searchsorted(self.breaks, lo, side="right")) - 1, 0)
        i1 = min(int(np.searchsorted(self.breaks, hi, side="left")), len(self.segment))
        a = np.clip(self.breaks[i0:i1], lo, hi)
        b = np.clip(self.breaks[i0 + 1 : i1 + 1], lo, hi)
        part = (b - a) * self.covered[i0:i1]
        out: dict[str, float] = {}
        for county, length in zip(self.county[i0:i1][part > 0], part[part > 0], strict=True):
            out[county] = out.get(county, 0.0) + float(length)
        return out

    def spans_by_county(self, lo: float, hi: float) -> list[tuple[float, float, str]]:
        """Maximal covered stretches (from, to, county) of [lo, hi], each inside one county."""
        out: list[tuple[float, float, str]] = []
        first = max(int(np.searchsorted(self.breaks, lo, side="right")) - 1, 0)
        for i in range(first, len(self.segment)):
            a, b = max(float(self.breaks[i]), lo), min(float(self.breaks[i + 1]), hi)
            if float(self.breaks[i]) >= hi:
                break
            if self.segment[i] == NO_SEGMENT or b <= a:
                continue
            county = str(self.county[i])
            if out and out[-1][2] == county and abs(out[-1][1] - a) < 1e-6:
                out[-1] = (out[-1][0], b, county)
            else:
                out.append((a, b, county))
        return out

    def pieces(self, lo: float, hi: float) -> list[tuple[int, float, float]]:
        """(segment id, from, to) of the covered pieces of [lo, hi], in stake order, neighbours merged."""
        out: list[tuple[int, float, float]] = []
        first = max(int(np.searchsorted(self.breaks, lo, side="right")) - 1, 0)
        for i in range(first, len(self.segment)):
            a, b = float(self.breaks[i]), float(self.breaks[i + 1])
            if a >= hi:
                break
            seg = int(self.segment[i])
            a, b = max(a, lo), min(b, hi)
            if seg == NO_SEGMENT or b <= a:
                continue
            if out and out[-1][0] == seg and abs(out[-1][2] - a) < 1e-6:
                out[-1] = (seg, out[-1][1], b)
            else:
                out.append((seg, a, b))
        return out


def build_line(
    route_code: str,
    group: str,
    direction: str,
    lo: np.ndarray,
    hi: np.ndarray,
    segment_ids: np.ndarray,
    counties: np.ndarray,
) -> RouteLine:
    """A RouteLine from segment stake ranges [lo, hi] (lo ≤ hi), their ids and counties."""
    order = np.argsort(lo, kind="stable")
    lo, hi, segment_ids, counties = lo[order], hi[order], segment_ids[order], counties[order]
    breaks = np.unique(np.concatenate([lo, hi]))
    if len(breaks) < 2:
        return RouteLine(route_code, group, direction, breaks, np.zeros(0, np.int64), np.zeros(0, object))
    mids = (breaks[:-1] + breaks[1:]) / 2
    # The segment reaching farthest among those starting at or before each midpoint covers it, if any does.
    reach = np.maximum.accumulate(hi)
    best = np.maximum.accumulate(np.where(hi >= reach, np.arange(len(hi)), 0))
    k = np.searchsorted(lo, mids, side="right") - 1
    ok = (k >= 0) & (reach[np.maximum(k, 0)] > mids)
    idx = best[np.maximum(k, 0)]
    segment = np.where(ok, segment_ids[idx], NO_SEGMENT).astype(np.int64)
    county = np.where(ok, counties[idx], "").astype(object)
    return RouteLine(route_code, group, direction, breaks, segment, county)
