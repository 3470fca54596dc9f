"""The plan's targets as data: parse and validate a standards file, load it into PostgreSQL, read it back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.errors import ImportRejected, Unprocessable
from gis.sqlfiles import load_sql

DEFAULT_FILE = Path(__file__).resolve().parent / "standards" / "hunan_2017_26.toml"
ROAD_GROUPS = ("expressway", "national_provincial", "all")
SCOPES = ("province", "city", "county")
# Road classes of each road group.
GROUP_CLASSES: dict[str, tuple[str, ...]] = {
    "expressway": ("expressway",),
    "national_provincial": ("national", "provincial"),
}
# metric → (road groups it may be set for, unit of its value, whether the value is a share 0–1)
METRICS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "camera_points": (("expressway", "national_provincial"), "points", False),
    "camera_spacing_km": (("expressway", "national_provincial"), "km", False),
    "enforcement_stations": (("expressway", "national_provincial"), "stations", False),
    "enforcement_per_county": (("national_provincial", "expressway"), "stations", False),
    "enforcement_route_km": (("national_provincial",), "km", False),
    "weather_sets": (("expressway", "national_provincial"), "sets", False),
    "weather_share": (("expressway", "national_provincial"), "share", True),
    "interval_per_city": (("expressway", "national_provincial"), "sections", False),
    "interval_share": (("expressway", "national_provincial"), "share", True),
    "command_county_share": (("all",), "share", True),
    "command_city": (("all",), "yes", False),
}
# Metrics that are counts of facilities: a target may count construction since a date instead of the stock.
COUNT_METRICS = ("camera_points", "enforcement_stations", "weather_sets")
COUNTS = ("stock", "construction")
_STANDARD_LOCK = 74_281_994
DEFAULT_LOADER = "default"
# Hash of the bundled file, recomputed only when the file changes.
_DEFAULT_SHA: dict[str, object] = {}


@dataclass(frozen=True)
class Target:
    """One target of the plan: year, road group, metric, the level it is set for, and its value."""

    year: int
    roads: str
    metric: str
    scope: str
    value: float
    carried_from: int | None = None
    seed: str = ""
    # 'construction': facilities put into service from `since` (else the set's baseline) to the year's
    # end; 'stock': facilities in service at the year's end.
    counts: str = "stock"
    since: dt.date | None = None

    @property
    def unit(self) -> str:
        """Unit of the value ('km', 'share', 'stations', …)."""
        return METRICS[self.metric][1]


@dataclass(frozen=True)
class Parameters:
    """How the metrics are measured (radius, eligibility, candidate spacing, site costs)."""

    camera_kinds: tuple[str, ...] = ("video", "event_detection")
    # The plan's start: construction counts begin on this day (ISO date).
    baseline: str = "2017-05-22"
    # A station whose name holds one of these serves an expressway: it is placed on the nearest
    # expressway within expressway_station_snap_m, whatever road it stands on.
    expressway_station_names: tuple[str, ...] = ("高速公路",)
    expressway_station_snap_m: float = 3000.0
    # The plan's priorities weighting suggestions (planning/priorities.py): weight of each, and the hazard
    # zone kinds that make a stretch a dangerous section (危险路段) or one of heavy traffic, many hazards.
    priority_national_trunk_weight: float = 2.0
    priority_danger_weight: float = 2.0
    priority_danger_kinds: tuple[str, ...] = ("landslide", "sharp_curve", "steep_grade", "blackspot", "fog", "ice")
    priority_traffic_weight: float = 1.5
    priority_traffic_kinds: tuple[str, ...] = ("congestion", "blackspot")
    weather_station_kinds: tuple[str, ...] = ("visibility", "road_ice")
    weather_radius_km: float = 5.0
    weather_hazard_kinds: tuple[str, ...] = ("fog", "ice")
    interval_min_length_km: float = 5.0
    interval_exit_classes: tuple[str, ...] = ("link", "expressway", "national", "provincial", "county")
    run_join_tolerance_m: float = 50.0
    station_snap_m: float = 1000.0
    enforcement_expressway_radius_km: float = 50.0
    enforcement_candidate_spacing_km: float = 5.0
    candidate_spacing_km: float = 1.0
    demand_piece_km: float = 0.25
    site_costs: dict[str, dict[str, float]] = field(default_factory=dict)

    def site_cost(self, facility: str, road_class: str, *, structure: bool = False) -> float:
        """Cost of one new `facility` site on a road of `road_class` (× structure_factor on bridges/tunnels)."""
        table = self.site_costs.get(facility, {})
        cost = float(table.get(road_class, 1.0))
        return cost * float(table.get("structure_factor", 1.0)) if structure else cost

    def as_json(self) -> dict[str, Any]:
        """The parameters as a JSON-ready dict."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class StandardSet:
    """A whole standards file: its identity, measuring parameters and every target."""

    name: str
    version: str
    source: str
    parameters: Parameters
    targets: tuple[Target, ...]
    sha256: str = ""

    @property
    def years(self) -> tuple[int, ...]:
        """The years that have targets, ascending."""
        return tuple(sorted({t.year for t in self.targets}))

    def for_year(self, year: int) -> dict[tuple[str, str], Target]:
        """(roads, metric) → target for `year`; Unprocessable (422) naming the valid years otherwise."""
        if year not in self.years:
            raise Unprocessable(
                f"no standard for year {year}; valid years: {', '.join(map(str, self.years))}",
                parameter="year",
                extra={"valid": list(self.years)},
            )
        return {(t.roads, t.metric): t for t in self.targets if t.year == year}


def _error(row: int | None, fld: str, reason: str) -> dict[str, Any]:
    return {"row": row, "field": fld, "reason": reason}


def _parse_parameters(raw: Any, errors: list[dict[str, Any]]) -> Parameters:
    if raw is None:
        return Parameters()
    if not isinstance(raw, dict):
        errors.append(_error(None, "parameters", "must be a table"))
        return Parameters()
    defaults = Parameters()
    known = {f.name for f in fields(Parameters)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            errors.append(_error(None, f"parameters.{key}", f"unknown parameter; known: {', '.join(sorted(known))}"))
            continue
        default = getattr(defaults, key)
        if key == "baseline":
            day = _date(value)
            if day is None:
                errors.append(_error(None, "parameters.baseline", f"must be a date such as 2017-05-22; got {value!r}"))
            else:
                kwargs[key] = day.isoformat()
            continue
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append(_error(None, f"parameters.{key}", "must be a list of strings"))
                continue
            kwargs[key] = tuple(value)
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                errors.append(_error(None, f"parameters.{key}", f"must be a positive number; got {value!r}"))
                continue
            kwargs[key] = float(value)
        else:  # site_costs
            kwargs[key] = _parse_costs(value, errors)
    return Parameters(**kwargs)


def _parse_costs(value: Any, errors: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    costs: dict[str, dict[str, float]] = {}
    if not isinstance(value, dict):
        errors.append(_error(None, "parameters.site_costs", "must be a table of facility → road class → cost"))
        return costs
    for facility, table in value.items():
        if facility not in ("enforcement_station", "weather_station") or not isinstance(table, dict):
            errors.append(
                _error(None, f"parameters.site_costs.{facility}", "use enforcement_station or weather_station")
            )
            continue
        costs[facility] = {}
        for key, cost in table.items():
            if isinstance(cost, bool) or not isinstance(cost, int | float) or cost <= 0:
                errors.append(_error(None, f"parameters.site_costs.{facility}.{key}", f"must be > 0; got {cost!r}"))
            else:
                costs[facility][key] = float(cost)
    return costs


def _date(value: Any) -> dt.date | None:
    """A date from a TOML date or an ISO text; None when it is neither."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _parse_target(row: int, raw: Any, errors: list[dict[str, Any]]) -> Target | None:
    if not isinstance(raw, dict):
        errors.append(_error(row, "target", "must be a table"))
        return None
    bad = len(errors)
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append(_error(row, "year", f"must be a year between 2000 and 2100; got {year!r}"))
    metric = raw.get("metric")
    if metric not in METRICS:
        errors.append(_error(row, "metric", f"unknown metric {metric!r}; valid: {', '.join(METRICS)}"))
    roads = raw.get("roads")
    if roads not in ROAD_GROUPS:
        errors.append(_error(row, "roads", f"got {roads!r}; valid: {', '.join(ROAD_GROUPS)}"))
    elif metric in METRICS and roads not in METRICS[metric][0]:
        errors.append(_error(row, "roads", f"{metric} applies to {', '.join(METRICS[metric][0])}; got {roads!r}"))
    scope = raw.get("scope")
    if scope not in SCOPES:
        errors.append(_error(row, "scope", f"got {scope!r}; valid: {', '.join(SCOPES)}"))
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        errors.append(_error(row, "value", f"must be a number ≥ 0; got {value!r}"))
    elif metric in METRICS and METRICS[metric][2] and value > 1:
        errors.append(_error(row, "value", f"{metric} is a share between 0 and 1; got {value!r}"))
    carried = raw.get("carried_from")
    if carried is not None and (not isinstance(carried, int) or not isinstance(year, int) or carried >= year):
        errors.append(_error(row, "carried_from", f"must be an earlier year than {year!r}; got {carried!r}"))
    counts = raw.get("counts", "stock")
    if counts not in COUNTS:
        errors.append(_error(row, "counts", f"got {counts!r}; valid: {', '.join(COUNTS)}"))
    elif counts == "construction" and metric not in COUNT_METRICS:
        errors.append(
            _error(row, "counts", f"only counts of facilities ({', '.join(COUNT_METRICS)}) count construction")
        )
    since = raw.get("since")
    since_day = None if since is None else _date(since)
    if since is not None and (since_day is None or counts != "construction"):
        errors.append(_error(row, "since", f"a date such as 2018-01-01, for counts = construction; got {since!r}"))
    unknown = set(raw) - {"year", "roads", "metric", "scope", "value", "carried_from", "seed", "counts", "since"}
    if unknown:
        errors.append(_error(row, ", ".join(sorted(unknown)), "unknown field"))
    if len(errors) > bad or not isinstance(year, int) or not isinstance(value, int | float):
        return None
    return Target(
        year,
        str(roads),
        str(metric),
        str(scope),
        float(value),
        carried,
        str(raw.get("seed", "")),
        str(counts),
        since_day,
    )


def parse_standards(text: str, *, source_name: str = "standards") -> StandardSet:
    """A validated StandardSet from TOML text; ImportRejected listing every bad row and field otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRejected(
            f"{source_name} is not valid TOML: {exc}", errors=[_error(None, "file", str(exc))]
        ) from None
    errors: list[dict[str, Any]] = []
    head = data.get("standard", {})
    if not isinstance(head, dict) or not head.get("name") or not head.get("version"):
        errors.append(_error(None, "standard", "needs a [standard] table with name and version"))
        head = {}
    params = _parse_parameters(data.get("parameters"), errors)
    targets: list[Target] = []
    seen: dict[tuple[int, str, str], int] = {}
    raw_targets = data.get("target", [])
    if not isinstance(raw_targets, list) or not raw_targets:
        errors.append(_error(None, "target", "needs at least one [[target]]"))
        raw_targets = []
    for row, raw in enumerate(raw_targets, start=1):
        target = _parse_target(row, raw, errors)
        if target is None:
            continue
        key = (target.year, target.roads, target.metric)
        if key in seen:
            errors.append(
                _error(row, "metric", f"duplicates target {seen[key]} ({target.year} {target.roads} {target.metric})")
            )
            continue
        seen[key] = row
        targets.append(target)
    unknown = set(data) - {"standard", "parameters", "target"}
    if unknown:
        errors.append(_error(None, ", ".join(sorted(unknown)), "unknown table"))
    if errors:
        raise ImportRejected(f"{source_name}: {len(errors)} problem(s); nothing was loaded", errors=errors)
    return StandardSet(
        name=str(head["name"]),
        version=str(head["version"]),
        source=str(head.get("source", "")),
        parameters=params,
        targets=tuple(targets),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def read_standards_file(path: Path) -> StandardSet:
    """Parse and validate the standards file at `path`."""
    return parse_standards(Path(path).read_text(encoding="utf-8"), source_name=Path(path).name)


def store_standards(conn: Connection, standards: StandardSet, *, loaded_by: str) -> int:
    """Replace the stored standard set with `standards` inside the caller's transaction; return its id."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _STANDARD_LOCK})
    conn.execute(sa.text("DELETE FROM coverage_standard_sets"))
    set_id = conn.execute(
        sa.text(load_sql("queries/coverage_standards_insert_set.sql")),
        {
            "name": standards.name,
            "version": standards.version,
            "source": standards.source,
            "parameters": json.dumps(standards.parameters.as_json(), ensure_ascii=False),
            "sha": standards.sha256,
            "by": loaded_by,
        },
    ).scalar_one()
    conn.execute(
        sa.text(load_sql("queries/coverage_standards_insert_target.sql")),
        [
            {
                "set_id": set_id,
                "year": t.year,
                "roads": t.roads,
                "metric": t.metric,
                "scope": t.scope,
                "value": t.value,
                "carried_from": t.carried_from,
                "seed": t.seed,
                "counts": t.counts,
                "since": t.since.isoformat() if t.since else None,
            }
            for t in standards.targets
        ],
    )
    return int(set_id)


def import_standards(engine: Engine, path: Path, *, loaded_by: str) -> StandardSet:
    """Validate the file at `path` and make it the standard set in force, in one transaction."""
    standards = read_standards_file(path)
    with engine.begin() as conn:
        store_standards(conn, standards, loaded_by=loaded_by)
        conn.execute(
            sa.text(load_sql("queries/coverage_standards_record_run.sql")),
            {"f": Path(path).name, "n": len(standards.targets), "by": loaded_by},
        )
    return standards


def _from_rows(head: Any, rows: list[Any]) -> StandardSet:
    errors: list[dict[str, Any]] = []
    params = _parse_parameters(dict(head.parameters), errors)
    targets = tuple(
        Target(int(r.year), r.roads, r.metric, r.scope, float(r.value), r.carried_from, r.seed, r.counts, r.since)
        for r in rows
    )
    return StandardSet(head.name, head.version, head.source, params, targets, head.file_sha256)


def current_standards(conn: Connection) -> StandardSet:
    """The standard set in force. The bundled default file is stored when none is, and stored again when
    it has changed since (a set a planner imported is never replaced by the default)."""
    head = conn.execute(sa.text(load_sql("queries/coverage_standards_current.sql"))).first()
    if head is None or (head.loaded_by == DEFAULT_LOADER and head.file_sha256 != _default_sha()):
        store_standards(conn, read_standards_file(DEFAULT_FILE), loaded_by=DEFAULT_LOADER)
        head = conn.execute(sa.text(load_sql("queries/coverage_standards_current.sql"))).one()
    rows = conn.execute(sa.text(load_sql("queries/coverage_standards_targets.sql")), {"set_id": head.id}).all()
    return _from_rows(head, list(rows))


def _default_sha() -> str:
    stat = DEFAULT_FILE.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    if _DEFAULT_SHA.get("key") != key:
        _DEFAULT_SHA["key"] = key
        _DEFAULT_SHA["sha"] = hashlib.sha256(DEFAULT_FILE.read_bytes()).hexdigest()
    return str(_DEFAULT_SHA["sha"])
