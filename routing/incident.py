"""The incident as a typed object: what a request or the command line asks (IncidentPatch, one
parse of a JSON body), the validated values stored (IncidentSpec, one set of database parameters)
and a stored incident (Incident, read from one row, written out as one GeoJSON Feature)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from gis import params
from gis.errors import InvalidParameter, Unprocessable
from gis.stake import format_stake, parse_stake

KINDS = ("accident", "works", "weather_closure", "entrance_closure", "control")
EFFECTS = ("closed", "restricted")
WEATHER = ("fog", "ice")  # what an operator may declare as the cause (routing/data/weather_rules.toml)
DIRECTIONS = ("both", "forward", "backward")
EDITABLE = (
    "kind",
    "effect",
    "speed_cap_kmh",
    "weather",
    "direction",
    "geometry",
    "route",
    "from_stake",
    "to_stake",
    "toll_station_id",
    "description",
    "starts_at",
    "ends_at",
)
# Fields that say where an incident acts: changing one re-resolves the place (kind too, as an
# entrance closure acts on a toll station).
PLACE_FIELDS = ("geometry", "route", "from_stake", "to_stake", "direction", "toll_station_id", "kind")
MAX_TEXT = 10_000  # characters of a description or label


def _text(value: Any, key: str) -> str | None:
    return None if value is None else params.text(value, key, max_length=MAX_TEXT)


def _stake_text(value: Any, key: str) -> str | float | None:
    """A stake as given: text is parsed against the route later (K-numbers), a number is metres now."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _text(value, key)
    return parse_stake(value, parameter=key)


def _speed(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value <= 200):
        raise Unprocessable(
            f"speed_cap_kmh must be a speed between 1 and 200; got {value!r}",
            parameter="speed_cap_kmh",
            detail_zh=f"限速值 speed_cap_kmh 须在1至200公里/小时之间，收到{value!r}",
        )
    return int(value)


def _ident(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    return params.integer(value, key, minimum=1, fix="a positive 64-bit integer (an id)")


@dataclass(frozen=True)
class IncidentPatch:
    """What a request or command asks for: the fields given (a PATCH changes only those)."""

    kind: str | None = None
    effect: str | None = None
    speed_cap_kmh: int | None = None
    weather: str | None = None
    direction: str | None = None
    geometry: dict | None = None
    route: str | None = None
    from_stake: str | float | None = None
    to_stake: str | float | None = None
    toll_station_id: int | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    given: frozenset[str] = field(default=frozenset())
    raw: dict = field(default_factory=dict, compare=False)  # the body as sent, for the history

    @classmethod
    def of(cls, **values: Any) -> IncidentPatch:
        """A patch from keyword values (the command line); None values count as not given."""
        given = {k: v for k, v in values.items() if v is not None}
        return cls.parse(given)

    @classmethod
    def parse(cls, body: Any, *, defaults: dict | None = None) -> IncidentPatch:
        """The one parse of a JSON body: types and ranges checked, each error naming its field."""
        params.json_object(body, "body")
        unknown = sorted(set(body) - set(EDITABLE) - {"route_code"})
        if unknown:
            raise InvalidParameter(
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(EDITABLE)}",
                parameter=unknown[0],
                detail_zh=f"无法识别的字段：{'、'.join(unknown)}；可填写的字段为{'、'.join(EDITABLE)}",
            )
        raw = dict(body)
        body = {**(defaults or {}), **body}
        if "route_code" in body:  # another name of route (checked even when route is given too)
            body.setdefault("route", _text(body.pop("route_code"), "route_code"))
        geometry = body.get("geometry")
        if geometry is not None:
            params.geojson_geometry(geometry, "geometry")  # its form here; where it lies: incident_place
        for key, choices in (("kind", KINDS), ("effect", EFFECTS), ("weather", WEATHER)):
            if key in body and body[key] not in choices and not (key == "weather" and body[key] is None):
                raise InvalidParameter(
                    f"{key} must be one of {', '.join(choices)}; got {body[key]!r}",
                    parameter=key,
                    detail_zh=f"{key} 只能取 {'、'.join(choices)} 之一，收到{body[key]!r}",
                )
        return cls(
            kind=body.get("kind"),
            effect=body.get("effect"),
            speed_cap_kmh=_speed(body.get("speed_cap_kmh")),
            weather=body.get("weather"),
            direction=_text(body.get("direction"), "direction"),
            geometry=geometry,
            route=_text(body.get("route"), "route" if "route" in raw else "route_code"),
            from_stake=_stake_text(body.get("from_stake"), "from_stake"),
            to_stake=_stake_text(body.get("to_stake"), "to_stake"),
            toll_station_id=_ident(body.get("toll_station_id"), "toll_station_id"),
            description=_text(body.get("description"), "description"),
            starts_at=params.instant(body.get("starts_at"), "starts_at"),
            ends_at=params.instant(body.get("ends_at"), "ends_at"),
            given=frozenset(body),
            raw=raw,
        )

    def has(self, key: str) -> bool:
        """Whether the request gave `key` (null included)."""
        return key in self.given

    def moves_place(self) -> bool:
        """Whether the request changes where the incident acts."""
        return any(k in self.given for k in PLACE_FIELDS)


@dataclass(frozen=True)
class Place:
    """Where an incident acts: its geometry (GeoJSON text, EPSG:4326) and, for a stake range, the
    route and stakes; `direction` is forward (increasing stakes, or along the geometry), backward or both."""

    geometry: str
    direction: str = "both"
    direction_label: str | None = None
    route_code: str | None = None
    from_stake_m: float | None = None
    to_stake_m: float | None = None
    toll_station_id: int | None = None

    @property
    def by_stakes(self) -> bool:
        """Whether the place is a stake range on a route."""
        return self.route_code is not None and self.from_stake_m is not None and self.to_stake_m is not None


@dataclass(frozen=True)
class IncidentSpec:
    """The validated values of an incident, as stored."""

    kind: str
    effect: str
    speed_cap_kmh: int | None
    place: Place
    description: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    weather: str | None = None  # declared by the operator (WEATHER); None: the plan reads the hazard zones

    def params(self) -> dict[str, Any]:
        """The bound parameters of the insert and update queries."""
        p = self.place
        return {
            "kind": self.kind,
            "effect": self.effect,
            "speed_cap_kmh": self.speed_cap_kmh,
            "weather": self.weather,
            "description": self.description,
            "direction": p.direction,
            "direction_label": p.direction_label,
            "route_code": p.route_code,
            "from_stake_m": p.from_stake_m,
            "to_stake_m": p.to_stake_m,
            "toll_station_id": p.toll_station_id,
            "geometry": p.geometry,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
        }


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


@dataclass(frozen=True)
class Incident:
    """A stored incident: its values, status and version (one more with every accepted change)."""

    id: int
    spec: IncidentSpec
    status: str  # scheduled, in_force or ended
    version: int
    ended_at: datetime | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Incident:
        """The incident of a routing_incident_select.sql row."""
        place = Place(
            geometry=row.geometry,
            direction=row.direction,
            direction_label=row.direction_label,
            route_code=row.route_code,
            from_stake_m=row.from_stake_m,
            to_stake_m=row.to_stake_m,
            toll_station_id=row.toll_station_id,
        )
        spec = IncidentSpec(
            kind=row.kind,
            effect=row.effect,
            speed_cap_kmh=row.speed_cap_kmh,
            place=place,
            description=row.description,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            weather=row.weather,
        )
        names = {f.name for f in fields(cls)} - {"id", "spec"}
        return cls(id=row.id, spec=spec, **{n: getattr(row, n) for n in names})

    @property
    def ended(self) -> bool:
        """Ended by an operator or by its end time."""
        return self.status == "ended"

    @property
    def etag(self) -> str:
        """The strong entity tag (unquoted): the version and the status (which the clock also moves)."""
        return f"{self.version}-{self.status}"

    def feature(self, history: list[dict] | None = None) -> dict:
        """The GeoJSON Feature the API and the command line show."""
        s, p = self.spec, self.spec.place
        props: dict[str, Any] = {
            "kind": s.kind,
            "effect": s.effect,
            "speed_cap_kmh": s.speed_cap_kmh,
            "weather": s.weather,
            "direction": p.direction,
            "direction_label": p.direction_label,
            "route_code": p.route_code,
            "from_stake": format_stake(p.from_stake_m) if p.from_stake_m is not None else None,
            "to_stake": format_stake(p.to_stake_m) if p.to_stake_m is not None else None,
            "from_stake_m": p.from_stake_m,
            "to_stake_m": p.to_stake_m,
            "toll_station_id": p.toll_station_id,
            "description": s.description,
            "status": self.status,
            "version": self.version,
            "starts_at": _iso(s.starts_at),
            "ends_at": _iso(s.ends_at),
            "ended_at": _iso(self.ended_at),
            "created_by": self.created_by,
            "created_at": _iso(self.created_at),
            "updated_by": self.updated_by,
            "updated_at": _iso(self.updated_at),
        }
        if history is not None:
            props["history"] = history
        return {"type": "Feature", "id": self.id, "geometry": json.loads(p.geometry), "properties": props}
