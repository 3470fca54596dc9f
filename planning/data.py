"""Everything a coverage analysis reads from PostGIS, loaded once per data version into arrays and route lines."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql, load_table_sql
from gis.versions import LayerVersions
from planning.areas import AreaTree, load_area_tree
from planning.linear import RouteLine, build_line
from planning.standards import GROUP_CLASSES, Parameters

MEASURED_CLASSES = ("expressway", "national", "provincial")
CLASS_GROUP = {c: g for g, classes in GROUP_CLASSES.items() for c in classes}
# Layers whose changes invalidate cached coverage data.
SOURCE_LAYERS = (
    "admin_areas",
    "road_nodes",
    "road_segments",
    "cameras",
    "enforcement_stations",
    "weather_stations",
    "command_centres",
    "interval_speed_sections",
    "hazard_zones",
)


@dataclass(frozen=True)
class Points:
    """Point facilities on measured roads: route, road group, direction of their carriageway, stake, county."""

    ids: np.ndarray
    route: np.ndarray  # object: route code or ''
    group: np.ndarray  # object: 'expressway', 'national_provincial' or '' (other roads)
    direction: np.ndarray  # object: 'up', 'down' or 'both'
    stake_m: np.ndarray  # float, NaN without a stake
    county: np.ndarray  # object

    @cached_property
    def _stakes(self) -> dict[tuple[str, str, str], np.ndarray]:
        grouped: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        for i in np.flatnonzero(~np.isnan(self.stake_m)):
            grouped[(self.route[i], self.group[i], self.direction[i])].append(float(self.stake_m[i]))
        return {k: np.sort(np.asarray(v)) for k, v in grouped.items()}

    def on(self, route: str, group: str, direction: str | None = None) -> np.ndarray:
        """Stakes of the points on `route` in `group` serving `direction` (any when None or 'both'), sorted."""
        serving = ("up", "down", "both") if direction in (None, "both") else (direction, "both")
        parts = [self._stakes[k] for d in serving if (k := (route, group, d)) in self._stakes]
        if not parts:
            return np.zeros(0)
        return parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))

    def by_route(self, group: str) -> dict[str, np.ndarray]:
        """Route → indices of the points of `group` with a stake."""
        out: dict[str, list[int]] = defaultdict(list)
        for i in np.flatnonzero((self.group == group) & ~np.isnan(self.stake_m)):
            out[self.route[i]].append(int(i))
        return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


@dataclass(frozen=True)
class Built:
    """Facilities put into service by the measured day (in service then or since retired): for
    construction counts. Road group, county and install date of each."""

    group: np.ndarray  # object
    county: np.ndarray  # object
    installed: np.ndarray  # datetime64[D]
    route: np.ndarray | None = None  # object: route code or ''
    stake_m: np.ndarray | None = None  # float, NaN without a stake

    def subset(self, mask: np.ndarray) -> Built:
        """The facilities where `mask` holds."""
        return Built(
            self.group[mask],
            self.county[mask],
            self.installed[mask],
            None if self.route is None else self.route[mask],
            None if self.stake_m is None else self.stake_m[mask],
        )

    def count_since(self, since: dt.date) -> dict[tuple[str, str], int]:
        """(group, county) → how many were installed on or after `since`."""
        mask = self.installed >= np.datetime64(since, "D")
        out: dict[tuple[str, str], int] = defaultdict(int)
        for g, c in zip(self.group[mask].tolist(), self.county[mask].tolist(), strict=True):
            out[(str(g), str(c))] += 1
        return dict(out)


_EMPTY_BUILT = Built(np.zeros(0, object), np.zeros(0, object), np.zeros(0, "datetime64[D]"))


@dataclass(frozen=True)
class Network:
    """Route lines of the measured road groups and road length by county."""

    lines: dict[tuple[str, str, str], RouteLine]  # (route, group, direction) for camera spacing
    undirected: dict[tuple[str, str], RouteLine]  # (route, group): each stretch once
    unstaked_km: dict[tuple[str, str], float]  # (county, group) → km of road without stakes
    unstaked_route_km: dict[tuple[str, str, str], float]  # (county, group, route) → km of routes without stakes
    structure_segments: frozenset[int]  # bridges and tunnels
    segment_ids: np.ndarray  # every measured segment id, ascending
    segment_classes: np.ndarray  # road class of each, same order

    def road_class(self, segment_id: int) -> str:
        """Road class of a measured segment ('' when unknown)."""
        i = int(np.searchsorted(self.segment_ids, segment_id))
        if i < len(self.segment_ids) and self.segment_ids[i] == segment_id:
            return str(self.segment_classes[i])
        return ""

    def road_km(self) -> dict[tuple[str, str], float]:
        """(county, group) → road km: staked route length once per stretch, plus unstaked road."""
        out: dict[tuple[str, str], float] = defaultdict(float)
        for (_route, group), line in self.undirected.items():
            for county, length in _county_lengths(line).items():
                out[(county, group)] += length / 1000
        for key, km in self.unstaked_km.items():
            out[key] += km
        return dict(out)

    def route_km(self, group: str) -> dict[tuple[str, str], float]:
        """(county, route) → km of each route of `group` inside each county (every piece summed)."""
        out: dict[tuple[str, str], float] = defaultdict(float)
        for (route, g), line in self.undirected.items():
            if g == group:
                for county, length in _county_lengths(line).items():
                    out[(county, route)] += length / 1000
        for (county, g, route), km in self.unstaked_route_km.items():
            if g == group:
                out[(county, route)] += km
        return dict(out)


def _county_lengths(line: RouteLine) -> dict[str, float]:
    lengths = line.lengths * line.covered
    out: dict[str, float] = defaultdict(float)
    for county in np.unique(line.county[lengths > 0]):
        out[str(county)] = float(lengths[line.county == county].sum())
    return out


@dataclass(frozen=True)
class HazardStretches:
    """Road inside fog/ice zones: stake ranges on routes, and length without stakes by county and group."""

    route: np.ndarray
    group: np.ndarray
    county: np.ndarray
    from_m: np.ndarray
    to_m: np.ndarray
    unstaked_km: dict[tuple[str, str], float]


@dataclass(frozen=True)
class CoverageData:
    """The network, facilities, hazards and areas of one analysis (one data version, one as-of year)."""

    areas: AreaTree
    network: Network
    cameras: Points
    enforcement: Points
    weather: Points
    command_centres: list[tuple[str, str]]  # (level, adcode)
    interval_sections: list[tuple[str, float, float, str]]  # (route, from, to, county)
    hazards: HazardStretches
    exits: dict[tuple[str, str], np.ndarray]  # (route, group) → exit stakes, sorted
    versions: dict[str, int] = field(default_factory=dict)
    parts: frozenset[str] = frozenset()  # which optional parts were loaded (the others are empty)
    # Facilities put into service by the measured day, per point family ('cameras', 'enforcement', 'weather').
    built: dict[str, Built] = field(default_factory=dict)
    at: dt.date | None = None  # the day measured (None: today)


def _group_of(road_class: Any) -> str:
    return CLASS_GROUP.get(str(road_class), "") if road_class else ""


def _direction(group: str, oneway: Any, start: Any, end: Any) -> str:
    # Only expressways are analysed per carriageway; the sign of the stake change gives the direction.
    if group != "expressway" or not oneway or start is None or end is None:
        return "both"
    return "up" if end >= start else "down"


def load_network(conn: Connection) -> Network:
    """Route lines of the measured road classes."""
    rows = conn.execute(sa.text(load_sql("queries/coverage_segments.sql")), {"classes": list(MEASURED_CLASSES)}).all()
    staked: dict[tuple[str, str, str], list[tuple[float, float, int, str]]] = defaultdict(list)
    unstaked: dict[tuple[str, str], float] = defaultdict(float)
    unstaked_route: dict[tuple[str, str, str], float] = defaultdict(float)
    structures: set[int] = set()
    for sid, route, road_class, oneway, start, end, length, county, structure in rows:
        group = CLASS_GROUP[road_class]
        if structure:
            structures.add(int(sid))
        if not route or start is None or end is None:
            # Without stakes the two carriageways of a divided road cannot be matched: count each half.
            km = length / 1000 * (0.5 if oneway else 1.0)
            unstaked[(county, group)] += km
            if route:
                unstaked_route[(county, group, route)] += km
            continue
        direction = _direction(group, oneway, start, end)
        staked[(route, group, direction)].append((min(start, end), max(start, end), int(sid), county))
    lines: dict[tuple[str, str, str], RouteLine] = {}
    undirected: dict[tuple[str, str], RouteLine] = {}
    by_route: dict[tuple[str, str], dict[str, list[tuple[float, float, int, str]]]] = defaultdict(dict)
    for (route, group, direction), pieces in staked.items():
        by_route[(route, group)][direction] = pieces
    for (route, group), dirs in by_route.items():
        everything = [p for pieces in dirs.values() for p in pieces]
        undirected[(route, group)] = _line(route, group, "both", everything)
        if set(dirs) == {"both"}:
            lines[(route, group, "both")] = undirected[(route, group)]
            continue
        shared = dirs.get("both", [])
        for direction in ("up", "down"):
            if direction in dirs:
                lines[(route, group, direction)] = _line(route, group, direction, dirs[direction] + shared)
    ids = np.asarray([r[0] for r in rows], np.int64)
    classes = np.asarray([r[2] for r in rows], object)
    order = np.argsort(ids)
    return Network(
        lines, undirected, dict(unstaked), dict(unstaked_route), frozenset(structures), ids[order], classes[order]
    )


def _line(route: str, group: str, direction: str, pieces: list[tuple[float, float, int, str]]) -> RouteLine:
    lo, hi, ids, counties = zip(*pieces, strict=True)
    return build_line(
        route,
        group,
        direction,
        np.asarray(lo, float),
        np.asarray(hi, float),
        np.asarray(ids, np.int64),
        np.asarray(counties, object),
    )


def _points(rows: list[Any]) -> Points:
    rows = [r[:8] for r in rows]
    n = len(rows)
    ids = np.zeros(n, np.int64)
    route = np.empty(n, object)
    group = np.empty(n, object)
    direction = np.empty(n, object)
    stake = np.full(n, np.nan)
    county = np.empty(n, object)
    for i, (fid, r, road_class, oneway, start, end, s, c) in enumerate(rows):
        g = _group_of(road_class)
        ids[i], route[i], group[i], county[i] = fid, r or "", g, c
        direction[i] = _direction(g, oneway, start, end)
        if s is not None:
            stake[i] = s
    return Points(ids, route, group, direction, stake, county)


def _built(rows: list[Any]) -> Built:
    keep = [r for r in rows if r[8] is not None]
    return Built(
        np.asarray([_group_of(r[2]) for r in keep], object),
        np.asarray([r[7] for r in keep], object),
        np.asarray([r[8] for r in keep], "datetime64[D]"),
        np.asarray([r[1] or "" for r in keep], object),
        np.asarray([np.nan if r[6] is None else float(r[6]) for r in keep], float),
    )


def year_end(as_of: int | None) -> dt.date | None:
    """The day a year is measured on: its 31 December (None: today)."""
    return None if as_of is None else dt.date(as_of, 12, 31)


def load_points(
    conn: Connection,
    table: str,
    *,
    as_of: int | None,
    kinds: tuple[str, ...] = (),
    snap_m: float = 0.0,
    params: Parameters | None = None,
) -> tuple[Points, Built]:
    """Facilities of `table` (a name from code: cameras, enforcement_stations, weather_stations) in service
    at the end of `as_of` (today when None), and those put into service by then (for construction counts)."""
    p = params or Parameters()
    args: dict[str, object] = {"at": year_end(as_of), "kinds": list(kinds)}
    if table == "cameras":
        sql = load_sql("queries/coverage_cameras.sql")
    elif table in ("enforcement_stations", "weather_stations"):
        kind_filter = "AND f.kind = ANY (:kinds)" if table == "weather_stations" else ""
        sql = load_table_sql("queries/coverage_stations.sql", table)
        sql = sql.replace("{kind_filter}", kind_filter)
        args |= {
            "snap_m": snap_m,
            "classes": list(MEASURED_CLASSES),
            "expressway_names": list(p.expressway_station_names),
            "expressway_snap_m": p.expressway_station_snap_m,
        }
    else:
        raise ValueError(f"not a point facility table of the coverage analysis: {table!r}")
    rows = list(conn.execute(sa.text(sql), args).all())
    return _points([r for r in rows if r[9]]), _built(rows)


def load_hazards(conn: Connection, kinds: tuple[str, ...]) -> HazardStretches:
    """Measured road inside active hazard zones of `kinds`."""
    rows = conn.execute(
        sa.text(load_sql("queries/coverage_hazard_stretches.sql")),
        {"kinds": list(kinds), "classes": list(MEASURED_CLASSES)},
    ).all()
    keep: list[tuple[str, str, str, float, float]] = []
    unstaked: dict[tuple[str, str], float] = defaultdict(float)
    for _sid, route, road_class, county, a, b, length, _kind in rows:
        group = CLASS_GROUP[road_class]
        if route and a is not None and b is not None:
            keep.append((route, group, county, min(a, b), max(a, b)))
        else:
            unstaked[(county, group)] += float(length) / 1000
    cols = list(zip(*keep, strict=True)) if keep else [(), (), (), (), ()]
    return HazardStretches(
        np.asarray(cols[0], object),
        np.asarray(cols[1], object),
        np.asarray(cols[2], object),
        np.asarray(cols[3], float),
        np.asarray(cols[4], float),
        dict(unstaked),
    )


def load_exits(conn: Connection, exit_classes: tuple[str, ...]) -> dict[tuple[str, str], np.ndarray]:
    """(route, group) → sorted stakes of the exits on it."""
    rows = conn.execute(
        sa.text(load_sql("queries/coverage_exits.sql")),
        {"classes": list(MEASURED_CLASSES), "exit_classes": list(exit_classes)},
    ).all()
    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    for route, road_class, stake in rows:
        out[(route, CLASS_GROUP[road_class])].append(float(stake))
    return {k: np.unique(np.asarray(v)) for k, v in out.items()}


def data_versions(conn: Connection) -> dict[str, int]:
    """Current data versions of the source layers and the standard set."""
    versions = LayerVersions.read(conn)
    return {layer: versions.get(layer, 0) for layer in (*SOURCE_LAYERS, "coverage_standards")}


# The parts of CoverageData that can be loaded separately; areas and the network always are.
PARTS = frozenset({"cameras", "enforcement", "weather", "command", "interval", "hazards"})
_EMPTY_POINTS = Points(
    np.zeros(0, np.int64),
    np.zeros(0, object),
    np.zeros(0, object),
    np.zeros(0, object),
    np.zeros(0),
    np.zeros(0, object),
)
_EMPTY_HAZARDS = HazardStretches(
    np.zeros(0, object), np.zeros(0, object), np.zeros(0, object), np.zeros(0), np.zeros(0), {}
)


def load_coverage_data(
    conn: Connection, params: Parameters, *, as_of: int | None = None, parts: frozenset[str] = PARTS
) -> CoverageData:
    """Read what an analysis needs (the network, areas and `parts`), in one transaction."""
    unknown = parts - PARTS
    if unknown:
        raise ValueError(f"unknown coverage data parts {sorted(unknown)}; valid: {sorted(PARTS)}")
    versions = data_versions(conn)
    network = load_network(conn)
    built: dict[str, Built] = {}
    cameras = enforcement = weather = _EMPTY_POINTS
    if "cameras" in parts:
        cameras, built["cameras"] = load_points(conn, "cameras", as_of=as_of, kinds=params.camera_kinds, params=params)
    if "enforcement" in parts:
        enforcement, built["enforcement"] = load_points(
            conn, "enforcement_stations", as_of=as_of, snap_m=params.station_snap_m, params=params
        )
    if "weather" in parts:
        weather, built["weather"] = load_points(
            conn,
            "weather_stations",
            as_of=as_of,
            kinds=params.weather_station_kinds,
            snap_m=params.station_snap_m,
            params=params,
        )
    centres: list[tuple[str, str]] = []
    if "command" in parts:
        rows = conn.execute(sa.text(load_sql("queries/coverage_command_centres.sql")), {"at": year_end(as_of)}).all()
        centres = [(str(level), str(adcode)) for _id, level, adcode in rows]
    sections: list[tuple[str, float, float, str]] = []
    exits: dict[tuple[str, str], np.ndarray] = {}
    if "interval" in parts:
        sections = [
            (str(r.route_code), float(r.from_m), float(r.to_m), str(r.county_adcode))
            for r in conn.execute(
                sa.text(load_sql("queries/coverage_interval_sections.sql")), {"at": year_end(as_of)}
            ).all()
        ]
        exits = load_exits(conn, params.interval_exit_classes)
    hazards = load_hazards(conn, params.weather_hazard_kinds) if "hazards" in parts else _EMPTY_HAZARDS
    counties: set[str] = set()
    for line in network.undirected.values():
        counties.update(str(c) for c in np.unique(line.county) if c)
    counties.update(c for c, _g in network.unstaked_km if c)
    for pts in (cameras, enforcement, weather):
        counties.update(str(c) for c in np.unique(pts.county) if c)
    areas = load_area_tree(conn, counties)
    return CoverageData(
        areas,
        network,
        cameras,
        enforcement,
        weather,
        centres,
        sections,
        hazards,
        exits,
        versions,
        frozenset(parts),
        built,
        year_end(as_of),
    )


class DataCache:
    """Coverage data per (as-of year, parameters), reloaded when any source layer's version changes."""

    def __init__(self, max_entries: int = 4) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], CoverageData] = {}
        self._max = max_entries

    def get(
        self, conn: Connection, params: Parameters, *, as_of: int | None = None, parts: frozenset[str] = PARTS
    ) -> CoverageData:
        """Cached data holding at least `parts` when still current, else freshly loaded."""
        versions = data_versions(conn)
        key = (
            as_of,
            params.camera_kinds,
            params.weather_station_kinds,
            params.station_snap_m,
            params.expressway_station_names,
            params.expressway_station_snap_m,
            params.weather_hazard_kinds,
            params.interval_exit_classes,
        )
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit.versions == versions and parts <= hit.parts:
            return hit
        if hit is not None and hit.versions == versions:
            parts = parts | hit.parts  # keep what was cached, so that alternating requests do not thrash
        data = load_coverage_data(conn, params, as_of=as_of, parts=parts)
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = data
        return data
