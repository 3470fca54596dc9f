"""Validation of imported rows: properties against the layer catalogue, geometry against the layer and area."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidParameter
from gis.params import check_json_values, text_problem
from layers.catalog import Layer, Property
from layers.ingest.admin_codes import admin_code_errors, complete_admin_properties
from layers.ingest.coords import CoordinateSystem
from layers.ingest.readers import SourceRecord

# Filled by linear referencing on import, whatever the file says.
COMPUTED_COLUMNS = frozenset({"segment_id", "stake", "stake_m", "offset_m", "road_distance_m"})
# Columns every imported table may have besides its declared properties.
SYSTEM_COLUMNS = ("source", "source_id")

# Bounds the schema's CHECK constraints put on numbers, checked here so that every bad row is listed.
_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "install_year": (1990, 2100),
    "severity": (1, 5),
    "speed_limit_kmh": (1, 32767),
    "length_m": (0, None),
    "start_stake_m": (0, None),
    "end_stake_m": (0, None),
    "deaths": (0, None),
    "injuries": (0, None),
    "property_damage_cny": (0, None),
    "count": (0, None),
}
_TABLE_LIMITS: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("weather_stations", "install_year"): (1900, 2100),
}
# Column names of Chinese source files mapped onto the catalogue's properties.
ALIASES = {
    "部门": "department",
    "管理部门": "department",
    "所属部门": "department",
    "区站号": "station_code",
    "站号": "station_code",
    "设备编码": "code",
    "设备编号": "code",
}
_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}
_REASON_AT = re.compile(r"^(.*)\[(\S+) (\S+)\]$")


@dataclass
class Candidate:
    """A validated row ready for the database: column values, extra properties, WGS84 geometry, errors."""

    row: int
    values: dict[str, object] = field(default_factory=dict)
    extras: dict[str, object] = field(default_factory=dict)
    geometry: BaseGeometry | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    line: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def shown(value: object) -> str:
    """A value as a message quotes it: strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _coord(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.6f}".rstrip("0").rstrip(".")


def coerce_value(prop: Property, value: object) -> object:
    """`value` as the property's type (None when missing); ValueError with the reason otherwise."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if value is None:
        return None
    kind = prop.type
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {shown(value)}")
        if isinstance(value, int):
            return value
        try:
            number = float(value) if isinstance(value, (float, str)) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not number.is_integer():
            raise ValueError(f"expected an integer, got {shown(value)}")
        return int(number)
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {shown(value)}")
        try:
            number = float(value) if isinstance(value, (int, float, str)) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"expected a number, got {shown(value)}")
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"expected true or false, got {shown(value)}")
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(f"expected an ISO 8601 date such as 2017-05-22, got {shown(value)}") from None
    if kind == "datetime":
        try:
            return datetime.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(
                f"expected an ISO 8601 date-time such as 2017-05-01T08:00:00+08:00, got {shown(value)}"
            ) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if prop.enum:
        for choice in prop.enum:
            if choice.lower() == text.lower():
                return choice
        raise ValueError(f"{shown(text)} is not one of {', '.join(prop.enum)}")
    return text


def _limit_error(table: str, name: str, value: object) -> str | None:
    low, high = _TABLE_LIMITS.get((table, name), _LIMITS.get(name, (None, None)))
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if low is not None and value < low:
        return f"must be at least {low:g}, got {value:g}"
    if high is not None and value > high:
        return f"must be at most {high:g}, got {value:g}"
    return None


def _limit_error_pair(table: str, name: str, value: object) -> tuple[str, str] | None:
    problem = _limit_error(table, name, value)
    return (name, problem) if problem else None


def _unstorable(name: str, value: object) -> tuple[str, str] | None:
    """(field, reason) when a property's name or value holds text PostgreSQL cannot store (NUL, an
    unpaired surrogate), so that the row is reported by field rather than refused by the database."""
    problem = text_problem(name)
    if problem:
        return ("properties", f"a property name {problem}")
    try:
        check_json_values(value, name)
    except InvalidParameter as exc:
        return (name, exc.detail.removeprefix(f"{name} "))
    return None


class RowValidator:
    """Turns source records into candidates for one layer, table and coordinate system."""

    def __init__(
        self,
        layer: Layer,
        columns: set[str],
        coords: CoordinateSystem,
        service_area: tuple[float, float, float, float],
        *,
        truncated_names: bool = False,
        departments: dict[str, str] | None = None,
    ):
        self.layer = layer
        self.coords = coords
        self.area = service_area
        self.has_extras = "properties" in columns
        self.truncated_names = truncated_names
        # accepted spelling (lower case) → the department's name; from the departments table
        self.departments = departments or {}
        self.props = {
            p.name.lower(): p for p in layer.properties if p.name in columns and p.name not in COMPUTED_COLUMNS
        }
        self.system = {c for c in SYSTEM_COLUMNS if c in columns and c not in self.props}
        self.recomputed: set[str] = set()  # names in the file whose values import recomputes
        self.unstored: set[str] = set()  # names in the file the table has no column for
        self._outcomes: dict[tuple, tuple] = {}  # (name, type, value) → _outcome(name, value)

    def validate_all(self, records: Sequence[SourceRecord]) -> list[Candidate]:
        """validate() of every record; the points of a point layer are checked on whole arrays first."""
        checked = self._points_checked([r.geometry for r in records]) if self.layer.geometry_type == "Point" else None
        if checked is None:
            return [self.validate(r) for r in records]
        return [self.validate(r, point) for r, point in zip(records, checked, strict=True)]

    def validate(self, record: SourceRecord, point: BaseGeometry | None = None) -> Candidate:
        """The candidate row for `record`, with every problem found listed in its errors (`point`:
        its geometry as check_geometry would store it, when known to pass)."""
        cand = Candidate(record.row, errors=list(record.errors), line=record.line)
        if any(f == "row" for f, _ in record.errors):
            return cand  # a CSV row of the wrong width: its values cannot be trusted
        self._properties(record, cand)
        if not record.errors:  # reading problems are all about the geometry or the row's shape
            if point is not None:
                cand.geometry = point
                return cand
            cand.geometry, problem = self.check_geometry(record.geometry)
            if problem:
                cand.errors.append(problem)
        return cand

    def _points_checked(self, geoms: Sequence[BaseGeometry | None]) -> list[BaseGeometry | None]:
        """For each geometry, what check_geometry stores when it is a 2D point that passes every check
        (done on arrays: valid, converted to finite WGS84 inside the service area), else None (those go
        through check_geometry, which names the problem)."""
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = list(geoms)
        out: list[BaseGeometry | None] = [None] * len(geoms)
        points = np.flatnonzero((shapely.get_type_id(arr) == 0) & ~shapely.is_empty(arr) & ~shapely.has_z(arr))
        if not len(points):
            return out
        shaped = arr[points]
        converted = self.coords.to_wgs84(shaped)  # type: ignore[arg-type]
        xy = shapely.get_coordinates(converted)
        ok = shapely.is_valid(shaped) & np.isfinite(xy).all(axis=1) & self._inside(xy[:, 0], xy[:, 1])
        for k in np.flatnonzero(ok).tolist():
            out[int(points[k])] = converted[k]
        return out

    # ------------------------------------------------------------ properties
    def _declared(self, name: str) -> Property | None:
        prop = self.props.get(ALIASES.get(name.strip(), name).lower())
        if prop is None and self.truncated_names and len(name) == 10:
            matches = [p for key, p in self.props.items() if key.startswith(name.lower())]
            prop = matches[0] if len(matches) == 1 else None
        return prop

    def _properties(self, record: SourceRecord, cand: Candidate) -> None:
        props = dict(record.properties)
        if self.layer.id == "admin_areas":
            props = complete_admin_properties(props)
        for key, value in props.items():
            name = str(key)
            try:
                memo_key: tuple | None = (name, type(value), value.hex() if type(value) is float else value)
                outcome = self._outcomes.get(memo_key)  # type: ignore[arg-type]
            except TypeError:  # a list or object in a GeoJSON property
                memo_key, outcome = None, None
            if outcome is None:
                outcome = self._outcome(name, value)
                if memo_key is not None:
                    self._outcomes[memo_key] = outcome
            error, target, stored = outcome
            if error is not None:
                cand.errors.append(error)
            if target is None:
                continue
            kind, column = target
            if kind == "value":
                cand.values[column] = stored
            elif kind == "default":
                cand.values.setdefault(column, stored)
            else:
                cand.extras[column] = value
        if record.feature_id is not None and "source_id" in self.system:
            cand.values.setdefault("source_id", str(record.feature_id))
        for prop in self.props.values():
            if prop.required and cand.values.get(prop.name) is None and not any(f == prop.name for f, _ in cand.errors):
                choices = f" (one of {', '.join(prop.enum)})" if prop.enum else ""
                hint = " (or a gb code: 156 followed by the adcode)" if prop.name == "adcode" else ""
                cand.errors.append((prop.name, f"is required{choices}{hint}"))
        if self.layer.id == "admin_areas":
            cand.errors.extend(admin_code_errors(cand.values))

    def _outcome(self, name: str, value: object) -> tuple[tuple[str, str] | None, tuple[str, str] | None, object]:
        """What property `name` = `value` does to a row: (an error or None, where the value goes
        ('value', column) / ('default', column) / ('extra', name) or None, the value stored). A
        function of the pair alone, so `_properties` computes it once per distinct pair: a province's
        columns repeat a few values (天气, 事故形态, counts)."""
        unstorable = _unstorable(name, value)
        if unstorable:
            return unstorable, None, None
        prop = self._declared(name)
        if prop is not None:
            try:
                coerced = coerce_value(prop, value)
            except ValueError as exc:
                return (prop.name, str(exc)), None, None
            if coerced is not None and prop.name == "department":
                coerced, problem = self._department(coerced)
                if problem:
                    return (prop.name, problem), None, None
            if coerced is None:
                return None, None, None
            return _limit_error_pair(self.layer.table, prop.name, coerced), ("value", prop.name), coerced
        if name.lower() in self.system or (name.lower() == "id" and "source_id" in self.system):
            if value is not None and str(value).strip():
                if name.lower() == "id":  # a bare id only stands in for source_id
                    return None, ("default", "source_id"), str(value).strip()
                return None, ("value", name.lower()), str(value).strip()
            return None, None, None
        if name.lower() in COMPUTED_COLUMNS:
            self.recomputed.add(name)
        elif not self.has_extras:
            self.unstored.add(name)
        else:
            return None, ("extra", name), None
        return None, None, None

    def _department(self, value: object) -> tuple[object, str | None]:
        """The department's name for `value` (its name or English name), or why it is none."""
        found = self.departments.get(str(value).strip().lower())
        if found is not None:
            return found, None
        known = ", ".join(sorted(set(self.departments.values())))
        return value, f"{shown(value)} is not a known department; one of {known} (the departments table)"

    # ------------------------------------------------------------ geometry
    def check_geometry(self, geom: BaseGeometry | None) -> tuple[BaseGeometry | None, tuple[str, str] | None]:
        """The WGS84 geometry stored for `geom`, or the (field, reason) it is rejected for."""
        if geom is None:
            return None, ("geometry", "is missing")
        if geom.is_empty:
            return None, ("geometry", "is empty")
        shaped = self._shape(shapely.force_2d(geom))
        if isinstance(shaped, str):
            return None, ("geometry", shaped)
        if not shapely.is_valid(shaped):
            return None, ("geometry", f"invalid {shaped.geom_type}: {_validity_reason(shaped)}")
        converted = self.coords.to_wgs84(shaped)
        xy = shapely.get_coordinates(converted)
        if not np.isfinite(xy).all():
            return None, ("geometry", f"coordinates could not be converted from {self.coords.label} to WGS84")
        problem = self._placement_problem(shapely.get_coordinates(shaped), xy)
        return (None, ("geometry", problem)) if problem else (converted, None)

    def _shape(self, geom: BaseGeometry) -> BaseGeometry | str:
        """`geom` as the layer's geometry type, or why it cannot be."""
        want, got = self.layer.geometry_type, geom.geom_type
        if want == "Point":
            if got == "MultiPoint" and len(geom.geoms) == 1:  # type: ignore[attr-defined]
                return geom.geoms[0]  # type: ignore[attr-defined]
            if got == "Point":
                return geom
        elif want == "LineString":
            if got == "MultiLineString":
                merged = shapely.line_merge(geom)
                if merged.geom_type == "LineString":
                    return merged
                return f"a MultiLineString whose parts do not join end to end; {self.layer.id} needs one LineString"
            if got == "LineString":
                return geom
        elif want == "MultiPolygon":
            if got == "Polygon":
                return MultiPolygon([geom])  # type: ignore[list-item]
            if got == "MultiPolygon":
                return geom
        else:
            return geom
        expected = "Polygon or MultiPolygon" if want == "MultiPolygon" else want
        return f"expected a {expected} for {self.layer.id}, got a {got}"

    def _inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        minx, miny, maxx, maxy = self.area
        return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)

    def _placement_problem(self, source_xy: np.ndarray, xy: np.ndarray) -> str | None:
        inside = self._inside(xy[:, 0], xy[:, 1])
        if inside.all():
            return None
        first = int(np.argmin(inside))
        sx, sy = source_xy[first]
        shown_xy = f"({_coord(sx)}, {_coord(sy)})"
        if self._inside(source_xy[:, 1], source_xy[:, 0]).all():
            return f"coordinates {shown_xy} look swapped (lat,lon): use lon,lat order or the --lon/--lat flags"
        if np.abs(source_xy[:, 0]).max() > 180 or np.abs(source_xy[:, 1]).max() > 90:
            if self.coords.kind == "proj":
                return (
                    f"coordinates {shown_xy} in {self.coords.label} fall outside the service area; "
                    "check the --crs option"
                )
            return (
                f"coordinates {shown_xy} are outside the service area; is the file in a projected CRS? "
                "pass --crs EPSG:NNNN"
            )
        minx, miny, maxx, maxy = self.area
        return f"coordinates {shown_xy} lie outside the service area ({minx:g} to {maxx:g} E, {miny:g} to {maxy:g} N)"


def _validity_reason(geom: BaseGeometry) -> str:
    """'Self-intersection at 112.9 28.1' from GEOS's 'Self-intersection[112.9 28.1]'."""
    reason = str(shapely.is_valid_reason(geom))
    match = _REASON_AT.match(reason)
    if not match:
        return reason
    return f"{match.group(1)} at {_coord(float(match.group(2)))} {_coord(float(match.group(3)))}"
