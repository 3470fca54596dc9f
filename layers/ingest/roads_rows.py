"""The rows of a road file, read into Daoan's terms and checked: every problem names its row.

Problems: an unreadable or missing geometry, one outside the service area, a line that crosses
itself, an unknown road class, stakes that cannot be read or whose range disagrees with the line's
length beyond the tolerance, values of lanes/direction/speed that mean nothing, and gaps where a
route continues (one row's stakes take up where another's stop, but its line starts elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from gis.errors import InvalidParameter
from gis.roads import split_route_id
from gis.stake import MAX_STAKE_M, format_stake
from layers.demo.geo import pair_lengths_m
from layers.ingest import roads_fields as rf
from layers.ingest.coords import CoordinateSystem
from layers.ingest.roads_network import line_lengths_m
from layers.ingest.roads_read import Coded, Column, RoadTable


@dataclass
class Tolerances:
    snap_m: float = 2.0  # line ends this close to another line join it
    stake_ratio: float = 0.05  # a row's stake range may differ from its length by this share…
    stake_min_m: float = 20.0  # …or by this many metres, whichever is larger


@dataclass
class RoadRows:
    """Rows in Daoan's terms, in file order (all rows; `ok` says which may be loaded)."""

    row: np.ndarray  # 1-based row numbers in the file
    geoms: np.ndarray  # WGS84 LineStrings (None where unusable), drawn in the direction of travel
    length_m: np.ndarray
    road_class: list[str | None]
    route_code: list[str | None]  # as stored: a county, township or village road's number (Y001)
    route_id: list[str | None]  # the route as the file names it (Y001430423): rows of one route share it
    route_county: list[str | None]  # the county a rural 路线编码 names (430423), else None
    name: list[str | None]
    technical_grade: list[str | None]
    surface: list[str | None]
    lanes: list[int | None]
    maxspeed: list[int | None]
    direction: list[str | None]  # up, down, oneway, both
    oneway: np.ndarray
    bridge: np.ndarray
    tunnel: np.ndarray
    level: np.ndarray  # int key: equal keys, same level
    start_stake: np.ndarray  # metres at the first vertex (nan: none)
    end_stake: np.ndarray
    source_id: list[str]
    problems: list[dict] = field(default_factory=list)
    dual_recognised: int = 0
    reversed_rows: int = 0

    @property
    def ok(self) -> np.ndarray:
        bad = np.zeros(len(self.row), dtype=bool)
        for p in self.problems:
            bad[p["row"] - 1] = True
        return ~bad


def read_rows(
    table: RoadTable,
    coords: CoordinateSystem,
    columns: dict[str, str],
    *,
    stake_unit: str,
    service_area: tuple[float, float, float, float],
    tol: Tolerances,
) -> RoadRows:
    """The rows of `table` with their values read (`columns`: field → the file's column) and checked."""
    n = len(table)
    problems: list[dict] = []

    def problem(i: int, field_name: str, reason: str) -> None:
        problems.append({"row": i + 1, "field": field_name, "reason": reason})

    for i, reason in sorted(table.geometry_errors.items()):
        problem(i, "geometry", reason)

    def col(field_name: str) -> Column:
        name = columns.get(field_name)
        return table.columns[name] if name else Coded(np.zeros(n, dtype=np.int64), [None])

    geoms = table.geometries.copy()
    has = np.array([g is not None for g in geoms], dtype=bool)
    if has.any() and not coords.is_wgs84:
        geoms[has] = coords.to_wgs84(geoms[has])
    if has.any():
        geoms[has] = _without_repeated_points(geoms[has], 1e-7)
        too_short = has.copy()
        too_short[has] = shapely.get_num_points(geoms[has]) < 2
        for short_i in np.flatnonzero(too_short).tolist():
            problem(short_i, "geometry", "has no length (all its points coincide)")
            geoms[short_i] = None
        has &= ~too_short
    west, south, east, north = service_area
    if has.any():
        bounds = shapely.bounds(geoms[has])
        outside = (bounds[:, 0] < west) | (bounds[:, 2] > east) | (bounds[:, 1] < south) | (bounds[:, 3] > north)
        for j in np.flatnonzero(outside):
            i = int(np.flatnonzero(has)[j])
            problem(
                i,
                "geometry",
                f"lies outside the service area {west:g},{south:g},{east:g},{north:g} "
                f"(setting service_area); check the coordinate system (--crs), now {coords.label}",
            )
            geoms[i] = None
        has = np.array([g is not None for g in geoms], dtype=bool)
        simple = shapely.is_simple(geoms[has])
        for j in np.flatnonzero(~simple):
            problem(int(np.flatnonzero(has)[j]), "geometry", "crosses itself; split the line where it does")
    length = np.full(n, np.nan)
    if has.any():
        xy, index = shapely.get_coordinates(geoms[has], return_index=True)
        offsets = np.concatenate([[0], np.cumsum(np.bincount(index, minlength=int(has.sum())))])
        length[has] = line_lengths_m(xy, offsets)[1]

    route = _mapped(col("route_code"), _code)
    # A rural 路线编码 carries its county (Y001430423): Daoan stores the number with the county (gis/roads.py)
    split = {c: split_route_id(c) if c else (c, None) for c in set(route)}
    names = _mapped(col("name"), rf.text)
    grades_raw = _mapped(col("technical_grade"), rf.text)
    admin_raw = _mapped(col("admin_grade"), rf.text)
    memo: dict[tuple, str | None] = {}
    classes: list[str | None] = [
        memo[key] if key in memo else memo.setdefault(key, rf.road_class(*key))
        for key in zip(admin_raw, grades_raw, route, strict=True)
    ]
    for i in [i for i, cls in enumerate(classes) if cls is None]:
        if admin_raw[i] is not None:
            problem(
                i,
                columns.get("admin_grade", "admin_grade"),
                f"unknown class {admin_raw[i]!r}; expected 国道, 省道, 县道, 乡道, 村道 (or G/S/X/Y/C), "
                "or a technical grade 高速公路",
            )
        else:
            problem(
                i,
                columns.get("admin_grade", "行政等级"),
                "no road class: the row has no 行政等级 or 技术等级 and its route code "
                f"{route[i]!r} implies none; map a class column with --map admin_grade=COLUMN",
            )
    grades = _mapped(grades_raw, rf.technical_grade)
    surface = _mapped(col("surface"), rf.text)

    def numbers(field_name: str, parse, what: str) -> list:  # type: ignore[no-untyped-def]
        values = col(field_name)
        out = _mapped(values, lambda v: _or_error(parse, v))
        for i in [i for i, v in enumerate(out) if v is _ERROR]:
            out[i] = None
            problem(i, columns[field_name], f"{values[i]!r} is not {what}")
        return out

    lanes = numbers("lanes", rf.lanes, "a lane count from 1 to 20")
    maxspeed = numbers("maxspeed", rf.speed, "a speed limit in km/h (5–150)")
    raw_directions = col("direction")
    directions: list[str | None] = _mapped(raw_directions, lambda v: rf.direction(rf.text(v)))
    for i in [i for i, d in enumerate(directions) if d is None]:
        problem(i, columns["direction"], f"{raw_directions[i]!r} is no direction; expected 上行, 下行, 双向 or 单向")
    bridge = np.array(_mapped(col("bridge"), rf.flag), dtype=bool)
    tunnel = np.array(_mapped(col("tunnel"), rf.flag), dtype=bool)
    level_text = _mapped(col("level"), lambda v: rf.text(v) or "")
    level_ids: dict[tuple, int] = {}
    level = np.array(
        [
            level_ids.setdefault(key, len(level_ids))
            for key in zip(level_text, bridge.tolist(), tunnel.tolist(), strict=True)
        ],
        dtype=np.int64,
    )

    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    for field_name, target in (("start_stake", start), ("end_stake", end)):
        column = columns.get(field_name)
        if column is None:
            continue
        coded = _coded(col(field_name))
        metres = np.full(len(coded.values), np.nan)
        reasons: dict[int, str] = {}
        done = _numeric_stakes(coded.values, stake_unit, metres)
        for k, value in enumerate(coded.values):  # once per distinct value
            if value is None or done[k]:
                continue
            try:
                parsed = rf.stake_m(value, stake_unit, column)
            except InvalidParameter as exc:
                reasons[k] = exc.detail.removeprefix(f"{column} ")
                continue
            if parsed is not None:
                metres[k] = parsed
        target[:] = metres[coded.codes]
        if reasons:
            bad_codes = np.array(sorted(reasons), dtype=np.int64)
            for i in np.flatnonzero(np.isin(coded.codes, bad_codes)).tolist():
                problem(i, column, reasons[int(coded.codes[i])])
    one_stake = np.isnan(start) != np.isnan(end)
    for one_i in np.flatnonzero(one_stake).tolist():
        missing = columns.get("start_stake" if np.isnan(start[one_i]) else "end_stake", "stake")
        problem(one_i, missing, "is empty while the other stake is given; give both or neither")

    rows = RoadRows(
        row=np.arange(1, n + 1),
        geoms=geoms,
        length_m=length,
        road_class=classes,
        route_code=[split[c][0] for c in route],
        route_id=route,
        route_county=[split[c][1] for c in route],
        name=names,
        technical_grade=grades,
        surface=surface,
        lanes=lanes,
        maxspeed=maxspeed,
        direction=directions,
        oneway=np.array([d in ("up", "down", "oneway") for d in directions], dtype=bool),
        bridge=bridge,
        tunnel=tunnel,
        level=level,
        start_stake=start,
        end_stake=end,
        source_id=_source_ids(table, columns),
        problems=problems,
    )
    _check_stake_lengths(rows, columns, tol)
    _orient_carriageways(rows)
    _recognise_dual_carriageways(rows)
    _check_continuations(rows, tol)
    rows.problems.sort(key=lambda p: p["row"])
    return rows


_ERROR = object()


def _without_repeated_points(lines: np.ndarray, tolerance: float) -> np.ndarray:
    """shapely.remove_repeated_points, called only for the lines that have two consecutive vertices
    within `tolerance` (found on the coordinate arrays; a margin keeps the test on the safe side):
    the others would come back unchanged."""
    xy, index = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    close = (step <= tolerance * 1.001) & (index[1:] == index[:-1])
    out = lines.copy()
    some = np.unique(index[1:][close])
    if len(some):
        out[some] = shapely.remove_repeated_points(lines[some], tolerance=tolerance)
    return out


def _numeric_stakes(values: list[object], unit: str, metres: np.ndarray) -> np.ndarray:
    """Stakes given as numbers, in metres, on whole arrays: what rf.stake_m gives for each (the number
    times 1000 for km, finite, 0 to MAX_STAKE_M); which values were done (the rest go through rf.stake_m,
    which names the problem)."""
    done = np.zeros(len(values), dtype=bool)
    numeric = np.array(
        [type(v) is float or (type(v) is int and abs(v) < 2**53) for v in values], dtype=bool
    )  # bool is not a stake; a float() of a huge int would overflow
    if not numeric.any():
        return done
    idx = np.flatnonzero(numeric)
    scaled = np.array([values[k] for k in idx.tolist()], dtype=np.float64) * (1000.0 if unit == "km" else 1.0)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(scaled) & (scaled >= 0) & (scaled <= MAX_STAKE_M)
    metres[idx[ok]] = scaled[ok]
    done[idx[ok]] = True
    return done


def _or_error(parse, value: object) -> object:  # type: ignore[no-untyped-def]
    try:
        return parse(value)
    except (ValueError, TypeError):
        return _ERROR


def _code(value: object) -> str | None:
    shown = rf.text(value)
    return shown.upper().replace(" ", "") if shown else None


def _mapped(values: Column, fn) -> list:  # type: ignore[no-untyped-def]
    """fn of every value, computed once per distinct value (a province's columns repeat a few values)."""
    if isinstance(values, Coded):
        return Coded(values.codes, [fn(v) for v in values.values]).tolist()
    cache: dict[tuple[type, object], object] = {}
    out = []
    for v in values:
        key = (type(v), v)
        try:
            out.append(cache[key])
        except KeyError:
            out.append(cache.setdefault(key, fn(v)))
        except TypeError:  # a list or object in a GeoJSON property
            out.append(fn(v))
    return out


def _coded(values: Column) -> Coded:
    """`values` as codes into its distinct values (a GeoJSON column is coded here, by type and value)."""
    if isinstance(values, Coded):
        return values
    index: dict[tuple[type, object], int] = {}
    distinct: list[object] = []
    codes = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        try:
            key = (type(v), v)
            k = index.get(key)
            if k is None:
                k = index[key] = len(distinct)
                distinct.append(v)
        except TypeError:  # a list or object in a GeoJSON property: a value of its own
            k = len(distinct)
            distinct.append(v)
        codes[i] = k
    return Coded(codes, distinct)


def _source_ids(table: RoadTable, columns: dict[str, str]) -> list[str]:
    """Each row's record id: its id column, else the feature id, else its row number."""
    ids = table.columns.get(columns["id"]) if "id" in columns else table.columns.get("\0feature_id")
    if ids is None:
        return [str(i) for i in range(1, len(table) + 1)]
    return [rf.text(v) or str(i) for i, v in enumerate(ids, start=1)]


def _check_stake_lengths(rows: RoadRows, columns: dict[str, str], tol: Tolerances) -> None:
    have = ~np.isnan(rows.start_stake) & ~np.isnan(rows.end_stake) & ~np.isnan(rows.length_m)
    span = np.abs(rows.end_stake - rows.start_stake)
    allowed = np.maximum(tol.stake_min_m, tol.stake_ratio * rows.length_m)
    bad = have & (np.abs(span - rows.length_m) > allowed)
    field_name = f"{columns.get('start_stake', 'start_stake')}/{columns.get('end_stake', 'end_stake')}"
    for i in np.flatnonzero(bad):
        rows.problems.append(
            {
                "row": int(i) + 1,
                "field": field_name,
                "reason": (
                    f"the stakes {format_stake(rows.start_stake[i])}–{format_stake(rows.end_stake[i])} span "
                    f"{span[i]:,.0f} m but the line is {rows.length_m[i]:,.0f} m long (tolerance "
                    f"{allowed[i]:,.0f} m); check the stakes, --stake-unit, or the line"
                ),
            }
        )


def _orient_carriageways(rows: RoadRows) -> None:
    """Draw every one-way carriageway in its direction of travel: 上行 runs with increasing stakes,
    下行 with decreasing ones; a row drawn the other way is reversed with its stakes."""
    for i, d in enumerate(rows.direction):
        if d not in ("up", "down") or rows.geoms[i] is None:
            continue
        s, e = rows.start_stake[i], rows.end_stake[i]
        if np.isnan(s) or np.isnan(e) or s == e:
            continue
        if (d == "up") != (e > s):
            rows.geoms[i] = shapely.reverse(rows.geoms[i])
            rows.start_stake[i], rows.end_stake[i] = e, s
            rows.reversed_rows += 1


def _recognise_dual_carriageways(rows: RoadRows) -> None:
    """Two-way rows of one route whose stake ranges overlap, drawn in opposite stake directions and
    lying side by side, are the two carriageways of a divided road: each becomes one-way as drawn."""
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(rows.route_id):
        if (
            code
            and rows.direction[i] == "both"
            and rows.geoms[i] is not None
            and not np.isnan(rows.start_stake[i])
            and rows.start_stake[i] != rows.end_stake[i]
        ):
            groups.setdefault(code, []).append(i)
    for members in groups.values():
        inc = [i for i in members if rows.end_stake[i] > rows.start_stake[i]]
        dec = [i for i in members if rows.end_stake[i] < rows.start_stake[i]]
        if not inc or not dec:
            continue
        inc_lo = np.array([rows.start_stake[i] for i in inc])
        inc_hi = np.array([rows.end_stake[i] for i in inc])
        order = np.argsort(inc_lo)
        inc_lo, inc_hi, inc_ids = inc_lo[order], inc_hi[order], np.array(inc)[order]
        matched: set[int] = set()
        longest = float(np.max(inc_hi - inc_lo))
        for j in dec:
            lo, hi = rows.end_stake[j], rows.start_stake[j]
            begin = int(np.searchsorted(inc_lo, lo - longest, side="left"))
            stop = int(np.searchsorted(inc_lo, hi, side="left"))
            for k in range(begin, stop):
                overlap = min(hi, inc_hi[k]) - max(lo, inc_lo[k])
                if overlap <= 0.5 * min(hi - lo, inc_hi[k] - inc_lo[k]):
                    continue
                other = int(inc_ids[k])
                mid = shapely.line_interpolate_point(rows.geoms[j], 0.5, normalized=True)
                gap = shapely.distance(mid, rows.geoms[other]) * 111_000.0
                if gap <= 150.0:
                    matched.update((j, other))
        for i in matched:
            rows.oneway[i] = True
            rows.direction[i] = "up" if rows.end_stake[i] > rows.start_stake[i] else "down"
        rows.dual_recognised += len(matched)


def _check_continuations(rows: RoadRows, tol: Tolerances) -> None:
    """A row whose stakes take up where another row of its route (and carriageway) stops must start
    where that row's line stops, within the snap tolerance: a gap there is named."""
    has = np.array(
        [bool(code) and g is not None for code, g in zip(rows.route_id, rows.geoms, strict=True)], dtype=bool
    )
    has &= ~np.isnan(rows.start_stake)
    idx = np.flatnonzero(has)
    if len(idx) < 2:
        return
    group_ids: dict[tuple[str, str], int] = {}
    group = np.array(
        [
            group_ids.setdefault(
                (rows.route_id[i] or "", str(rows.direction[i]) if rows.direction[i] in ("up", "down") else "both"),
                len(group_ids),
            )
            for i in idx.tolist()
        ],
        dtype=np.int64,
    )
    s, e = rows.start_stake[idx], rows.end_stake[idx]
    lo, hi = np.minimum(s, e), np.maximum(s, e)
    first = shapely.get_coordinates(shapely.get_point(rows.geoms[idx], 0))
    last = shapely.get_coordinates(shapely.get_point(rows.geoms[idx], -1))
    first_is_high = (s > e)[:, None]
    high_end = np.where(first_is_high, first, last)
    low_end = np.where(first_is_high, last, first)
    order = np.lexsort((lo, group))
    a, b = order[:-1], order[1:]
    cont = (group[a] == group[b]) & (np.abs(lo[b] - hi[a]) <= 1.0)  # else a stake jump (断链) or an overlap
    a, b = a[cont], b[cont]
    gap = pair_lengths_m(high_end[a, 0], high_end[a, 1], low_end[b, 0], low_end[b, 1])
    names = {v: k[0] for k, v in group_ids.items()}
    for k in np.flatnonzero(gap > tol.snap_m).tolist():
        i, j = int(idx[a[k]]), int(idx[b[k]])
        rows.problems.append(
            {
                "row": j + 1,
                "field": "geometry",
                "reason": (
                    f"starts {gap[k]:,.0f} m from where row {i + 1} ends, although its stakes continue "
                    f"{names[int(group[b[k]])]} at {format_stake(lo[b[k]])}: a gap at a route continuation "
                    f"(joined only within {tol.snap_m:g} m, --snap-m)"
                ),
            }
        )
