"""Continuous long downgrades (连续长下坡) and high-altitude icing sections found on a DEM.

A road is followed as one profile: the segments of one route (its code, else its name) merged end
to end (one-way carriageways in their direction of travel, two-way roads both ways). The profile is
sampled every `profile_bin_m`; under tunnels and bridges the DEM is not the road, so the profile runs
straight between their ends. Descents are cut with a hysteresis (a descent ends when the road climbs
back more than `rise_tolerance_m`), then judged against the rules of analysis/data/raster_hazards.toml.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
import sqlalchemy as sa
from shapely import STRtree
from sqlalchemy.engine import Connection

from analysis.criteria import Criteria, DowngradeRule
from analysis.sampling import Grid, interpolate
from analysis.segments import Segments
from gis.sqlfiles import load_sql
from gis.stake import format_stake

EARTH_M_PER_DEG = 6_371_008.8 * np.pi / 180.0
SOURCE = "dem"


@dataclass
class Zone:
    kind: str  # 'steep_grade' (连续长下坡) or 'ice'
    name: str
    severity: int
    route_code: str | None
    line: shapely.Geometry  # lon/lat (Multi)LineString: the road it covers (downhill for a downgrade)
    properties: dict[str, object] = field(default_factory=dict)


@dataclass
class _Profile:
    """One merged road line in local metres and its altitude every bin."""

    line_xy: shapely.LineString
    lat0: float
    distance: np.ndarray
    z: np.ndarray
    tunnel: np.ndarray

    def to_lonlat(self, geom: shapely.Geometry) -> shapely.Geometry:
        k = np.cos(np.radians(self.lat0))
        return shapely.transform(
            geom, lambda xy: np.column_stack((xy[:, 0] / (EARTH_M_PER_DEG * k), xy[:, 1] / EARTH_M_PER_DEG))
        )

    def piece(self, a: float, b: float) -> shapely.LineString:
        """The lon/lat line from distance a to b (a > b: reversed)."""
        lo, hi = min(a, b), max(a, b)
        xy = shapely.get_coordinates(self.line_xy)
        cum = np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))))
        ends = np.column_stack((np.interp([lo, hi], cum, xy[:, 0]), np.interp([lo, hi], cum, xy[:, 1])))
        inside = xy[(cum > lo) & (cum < hi)]
        part = np.vstack((ends[:1], inside, ends[1:]))
        return self.to_lonlat(shapely.linestrings(part[::-1] if a > b else part))


def _metric(line: shapely.LineString) -> tuple[shapely.LineString, float]:
    xy = shapely.get_coordinates(line)
    lat0 = float(xy[:, 1].mean())
    k = np.cos(np.radians(lat0))
    return shapely.linestrings(np.column_stack((xy[:, 0] * EARTH_M_PER_DEG * k, xy[:, 1] * EARTH_M_PER_DEG))), lat0


def _profiles(
    lines: list[shapely.LineString], dem: Grid, structures: STRtree, kinds: np.ndarray, bin_m: float
) -> list[_Profile]:
    out = []
    for line in lines:
        line_xy, lat0 = _metric(line)
        length = line_xy.length
        if length < 2 * bin_m:
            continue
        n = int(np.ceil(length / bin_m)) + 1
        d = np.linspace(0.0, length, n)
        xy = interpolate(np.array([line_xy]), np.zeros(n, dtype=np.int64), d / length)
        k = np.cos(np.radians(lat0))
        lon, lat = xy[:, 0] / (EARTH_M_PER_DEG * k), xy[:, 1] / EARTH_M_PER_DEG
        z = dem.at(lon, lat)
        tunnel = np.zeros(n, dtype=bool)
        if len(kinds):
            hit_pt, hit_st = structures.query(shapely.points(lon, lat), predicate="dwithin", distance=2e-5)
            z[hit_pt] = np.nan
            tunnel[hit_pt[kinds[hit_st] == "tunnel"]] = True
        ok = ~np.isnan(z)
        if ok.sum() < 2:
            continue
        z = np.interp(d, d[ok], z[ok])
        out.append(_Profile(line_xy, lat0, d, z, tunnel))
    return out


def swings(z: np.ndarray, tolerance: float) -> list[int]:
    """Indices of the alternating highs and lows of `z`, ignoring wiggles of up to `tolerance`."""
    n = len(z)
    lo = hi = 0
    trend = 0
    turns: list[int] = []
    for i in range(1, n):
        if trend == 0:
            if z[i] > z[hi]:
                hi = i
            if z[i] < z[lo]:
                lo = i
            if z[hi] - z[lo] > tolerance:
                trend = 1 if hi > lo else -1
                turns.append(lo if trend == 1 else hi)
                ext = hi if trend == 1 else lo
        elif trend == 1:
            if z[i] >= z[ext]:
                ext = i
            elif z[ext] - z[i] > tolerance:
                turns.append(ext)
                trend, ext = -1, i
        else:
            if z[i] <= z[ext]:
                ext = i
            elif z[i] - z[ext] > tolerance:
                turns.append(ext)
                trend, ext = 1, i
    if trend:
        turns.append(ext)
    return turns


def _matches(rule: DowngradeRule, d: np.ndarray, z: np.ndarray, a: int, b: int) -> bool:
    """Whether the descent from index a to b (either way along the profile) meets `rule`."""
    length = abs(d[b] - d[a])
    drop = z[a] - z[b]
    average = drop / length * 100.0 if length > 0 else 0.0
    if rule.window_m is not None:
        i, j = min(a, b), max(a, b)
        dd, zz = d[i : j + 1], z[i : j + 1]
        if dd[-1] - dd[0] < rule.window_m:
            return False
        far = np.searchsorted(dd, dd + rule.window_m - 1e-6)
        near = np.flatnonzero(far < len(dd))
        far = far[near]
        falls = zz[near] - zz[far] if a < b else zz[far] - zz[near]  # downhill in the descent's direction
        return bool((falls / (dd[far] - dd[near]) * 100.0 > rule.min_average_grade_pct).any())
    if average <= rule.min_average_grade_pct and rule.min_length_m is None:
        return False
    if rule.min_length_m is not None and (length < rule.min_length_m or average < rule.min_average_grade_pct):
        return False
    if rule.min_drop_m is not None and drop < rule.min_drop_m:
        return False
    return not (rule.max_drop_m is not None and drop > rule.max_drop_m)


def _stake_at(point: shapely.Point, tree: STRtree, segs: Segments, rows: np.ndarray) -> float | None:
    """The stake of `point` on the nearest staked segment of the route (None when none has stakes)."""
    i = int(tree.nearest(point))
    s = rows[i]
    a, b = segs.start_stake_m[s], segs.end_stake_m[s]
    if np.isnan(a) or np.isnan(b):
        return None
    frac = shapely.line_locate_point(segs.geom[s], point, normalized=True)
    return float(a + (b - a) * frac)


def _label(code: str, stakes: tuple[float | None, float | None]) -> str:
    a, b = stakes
    if a is None or b is None:
        return code
    lo, hi = sorted((a, b))
    return f"{code} {format_stake(lo)}–{format_stake(hi)}"


def find_zones(segs: Segments, dem: Grid, criteria: Criteria) -> list[Zone]:
    """Long downgrades and icing sections on the named or numbered roads of `segs` of the classes the
    criteria name."""
    groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
    classes = set(criteria.road_classes)
    for i, (code, name, oneway, road_class) in enumerate(
        zip(segs.route_code, segs.name, segs.oneway, segs.road_class, strict=True)
    ):
        key = code or name
        if key and road_class in classes:
            groups[(key, bool(oneway))].append(i)
    zones: list[Zone] = []
    icing_pieces: dict[str, list[shapely.LineString]] = defaultdict(list)
    icing_stakes: dict[str, list[float]] = defaultdict(list)  # the stakes of each piece's ends
    icing_codes: dict[str, str | None] = {}
    for (key, oneway), members in sorted(groups.items()):
        rows = np.array(members)
        structural = rows[segs.bridge[rows] | segs.tunnel[rows]]
        kinds = np.where(segs.tunnel[structural], "tunnel", "bridge")
        structures = STRtree(segs.geom[structural])
        merged = shapely.line_merge(shapely.multilinestrings(segs.geom[rows]), directed=oneway)
        lines = list(shapely.get_parts(merged))
        tree = STRtree(segs.geom[rows])
        code = segs.route_code[rows[0]]
        for profile in _profiles(lines, dem, structures, kinds, criteria.profile_bin_m):
            d, z = profile.distance, profile.z
            turns = swings(z, criteria.rise_tolerance_m)
            for a, b in zip(turns, turns[1:], strict=False):
                if z[b] < z[a]:
                    descent = (a, b)
                elif not oneway:
                    descent = (b, a)
                else:
                    continue
                matched = [r for r in criteria.downgrade_rules if _matches(r, d, z, *descent)]
                if matched:
                    zones.append(_downgrade(profile, descent, matched, key, code, tree, segs, rows))
            high = (z >= criteria.icing_min_altitude_m) & ~profile.tunnel
            for run in _runs(high):
                i, j = run
                if d[j] - d[i] >= criteria.icing_min_length_m:
                    piece = profile.piece(d[i], d[j])
                    icing_pieces[key].append(piece)
                    for end in (shapely.get_point(piece, 0), shapely.get_point(piece, -1)):
                        stake = _stake_at(end, tree, segs, rows)
                        icing_stakes[key].append(np.nan if stake is None else stake)
                    icing_codes[key] = icing_codes.get(key) or code
    for key, pieces in sorted(icing_pieces.items()):
        zones.extend(_icing(key, icing_codes.get(key), pieces, np.array(icing_stakes[key]), criteria, dem))
    return zones


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _downgrade(
    profile: _Profile,
    descent: tuple[int, int],
    matched: list[DowngradeRule],
    key: str,
    code: str | None,
    tree: STRtree,
    segs: Segments,
    rows: np.ndarray,
) -> Zone:
    a, b = descent
    d, z = profile.distance, profile.z
    line = profile.piece(d[a], d[b])
    length = abs(d[b] - d[a])
    drop = z[a] - z[b]
    stakes = (
        _stake_at(shapely.get_point(line, 0), tree, segs, rows),
        _stake_at(shapely.get_point(line, -1), tree, segs, rows),
    )
    label = _label(key, stakes)
    average = drop / length * 100.0
    props: dict[str, object] = {
        "derived_from": "dem",
        "length_m": round(length, 1),
        "drop_m": round(float(drop), 1),
        "average_grade_pct": round(float(average), 2),
        "top_altitude_m": round(float(z[a]), 1),
        "bottom_altitude_m": round(float(z[b]), 1),
        "rules": [r.name for r in matched],
    }
    top, bottom = stakes
    if top is not None and bottom is not None:
        props |= {
            "from_stake_m": round(min(top, bottom), 1),
            "to_stake_m": round(max(top, bottom), 1),
            "from_stake": format_stake(min(top, bottom)),
            "to_stake": format_stake(max(top, bottom)),
            "downhill_towards": "increasing_stake" if bottom > top else "decreasing_stake",
        }
    # Which way the road falls matters to the duty officer (only that carriageway gets the warning
    # sign): said by the stakes, as 上行/下行 is not the same way round on every road.
    way = f"自{format_stake(top)}向{format_stake(bottom)}方向下坡，" if top is not None and bottom is not None else ""
    name = f"{label} 连续长下坡路段（{way}长{length / 1000:.1f}公里，平均纵坡{average:.1f}%）"
    return Zone("steep_grade", name, max(r.severity for r in matched), code, line, props)


def _icing(
    key: str, code: str | None, pieces: list[shapely.LineString], stakes: np.ndarray, criteria: Criteria, dem: Grid
) -> list[Zone]:
    """One zone per cluster of the high pieces of a road (both carriageways together); `stakes` holds
    the stakes of each piece's two ends (NaN off staked roads)."""
    near_deg = 3 * criteria.buffer_m / EARTH_M_PER_DEG
    clusters = shapely.get_parts(shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), near_deg)))
    tree = STRtree(pieces)
    out = []
    for cluster in clusters:
        members = sorted(tree.query(cluster, predicate="intersects"))
        line = shapely.multilinestrings([pieces[i] for i in members])
        ends = stakes.reshape(-1, 2)[members].ravel()
        ends = ends[np.isfinite(ends)]
        xy = shapely.get_coordinates(line)
        z = dem.at(xy[:, 0], xy[:, 1])
        props: dict[str, object] = {
            "derived_from": "dem",
            "min_altitude_m": criteria.icing_min_altitude_m,
            "altitude_max_m": round(float(np.nanmax(z)), 1) if np.isfinite(z).any() else None,
        }
        label = key
        if len(ends):
            lo, hi = float(ends.min()), float(ends.max())
            label = _label(key, (lo, hi))
            props |= {
                "from_stake_m": round(lo, 1),
                "to_stake_m": round(hi, 1),
                "from_stake": format_stake(lo),
                "to_stake": format_stake(hi),
            }
        out.append(Zone("ice", f"{label} 高海拔易结冰路段", criteria.icing_severity, code, line, props))
    return out


def store_zones(conn: Connection, zones: list[Zone], buffer_m: float) -> int:
    """Replace the hazard zones derived from the DEM with `zones`."""
    conn.execute(sa.text(load_sql("queries/raster_zones_delete.sql")), {"source": SOURCE})
    if not zones:
        return 0
    conn.execute(
        sa.text(load_sql("queries/raster_zones_insert.sql")),
        [
            {
                "name": zone.name,
                "kind": zone.kind,
                "severity": zone.severity,
                "route_code": zone.route_code,
                "source": SOURCE,
                "source_id": f"{zone.kind}:{i + 1}",
                "properties": json.dumps(zone.properties, ensure_ascii=False),
                "line": zone.line.wkt,
                "buffer_m": buffer_m,
            }
            for i, zone in enumerate(zones)
        ],
    )
    return len(zones)
