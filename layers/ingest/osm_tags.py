"""What OpenStreetMap tags say about a road: drivable or not, class, speed, lanes, direction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from gis.roads import DEFAULT_SPEED_KMH, class_from_ref, normalise_ref

# highway=* values of the drivable network and the road class each implies before the ref is read.
HIGHWAY_CLASS: dict[str, str] = {
    "motorway": "expressway",
    "trunk": "national",
    "primary": "provincial",
    "secondary": "county",
    "tertiary": "township",
    "unclassified": "township",
    "residential": "urban",
    "living_street": "urban",
    "service": "urban",
    "motorway_link": "link",
    "trunk_link": "link",
    "primary_link": "link",
    "secondary_link": "link",
    "tertiary_link": "link",
}

# Service roads that are not part of a network anyone is routed or supervised on (as osmnx's
# "drive" filter): parking aisles, private driveways, emergency-only accesses.
_EXCLUDED_SERVICE = frozenset(
    {"parking_aisle", "parking", "driveway", "drive-through", "emergency_access", "private", "alley"}
)
_CLOSED = frozenset({"no", "private"})
_MOTOR_ALLOWED = frozenset({"yes", "designated", "permissive", "destination", "customers", "delivery"})
_TRUE = frozenset({"yes", "1", "true"})
_FALSE = frozenset({"no", "0", "false"})
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)
_RESTRICTION = re.compile(r"^(no|only)_[a-z_]+$")


class Tags(Protocol):
    """Read access to an object's tags: osmium's TagList, or a plain dict in tests."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RoadTags:
    """The attributes of a road segment read from its way's tags."""

    road_class: str
    route_code: str | None
    name: str | None
    oneway: bool
    reverse: bool  # oneway=-1: traffic runs against the way's direction, so its geometry is reversed
    lanes: int | None
    maxspeed_kmh: int | None
    default_speed_kmh: int
    bridge: bool
    tunnel: bool


def is_drivable(tags: Tags) -> bool:
    """True when a way with these tags belongs to the drivable road network."""
    highway = tags.get("highway")
    if highway not in HIGHWAY_CLASS:
        return False
    if tags.get("area") == "yes":
        return False
    if highway == "service" and tags.get("service") in _EXCLUDED_SERVICE:
        return False
    motor = tags.get("motor_vehicle") or tags.get("motorcar")
    if motor in _CLOSED:
        return False
    return not (tags.get("access") in _CLOSED and motor not in _MOTOR_ALLOWED)


def parse_maxspeed(value: str | None) -> int | None:
    """km/h of a maxspeed tag ('50', '50 mph', '60;80' → first); None for junk like 'signals' or 'RU:urban'."""
    if not value:
        return None
    match = _MAXSPEED.match(value.split(";")[0])
    if not match:
        return None
    speed = float(match.group(1))
    if (match.group(2) or "").lower() == "mph":
        speed *= 1.609344
    kmh = round(speed)
    return kmh if 0 < kmh <= 300 else None


def parse_lanes(value: str | None) -> int | None:
    """Lane count of a lanes tag ('4', '2;3' → 2); None when missing or not a sensible count."""
    if not value:
        return None
    first = value.split(";")[0].strip()
    if not first.isdigit():
        return None
    lanes = int(first)
    return lanes if 0 < lanes <= 30 else None


def road_name(tags: Tags) -> str | None:
    """The way's name: name, else name:zh, else name:en."""
    for key in ("name", "name:zh", "name:en"):
        value = (tags.get(key) or "").strip()
        if value:
            return value
    return None


def road_class(highway: str, ref: str | None) -> str:
    """Road class from the highway tag, refined by a Chinese route code in ref (G107 → national).

    Motorways stay expressways and ramps stay links whatever their ref says; for other roads the
    route code decides, because it states the administrative class the highway tag only approximates.
    """
    base = HIGHWAY_CLASS[highway]
    if base in ("expressway", "link"):
        return base
    return class_from_ref(ref, motorway=False) or base


def road_tags(tags: Tags) -> RoadTags:
    """Segment attributes of a drivable way (check is_drivable first)."""
    highway = tags.get("highway") or ""
    ref = tags.get("ref")
    cls = road_class(highway, ref)
    oneway_tag = (tags.get("oneway") or "").strip().lower()
    reverse = oneway_tag in ("-1", "reverse")
    if oneway_tag in _TRUE or reverse:
        oneway = True
    elif oneway_tag in _FALSE or oneway_tag in ("reversible", "alternating"):
        # Reversible lanes change direction by time of day: not one-way in a static network.
        oneway = False
    else:
        oneway = highway == "motorway" or tags.get("junction") in ("roundabout", "circular")
    return RoadTags(
        road_class=cls,
        route_code=normalise_ref(ref),
        name=road_name(tags),
        oneway=oneway,
        reverse=reverse,
        lanes=parse_lanes(tags.get("lanes")),
        maxspeed_kmh=parse_maxspeed(tags.get("maxspeed")),
        default_speed_kmh=DEFAULT_SPEED_KMH[cls],
        bridge=tags.get("bridge", "no") != "no",
        tunnel=tags.get("tunnel", "no") != "no",
    )


def restriction_kind(tags: Tags) -> str | None:
    """The restriction a type=restriction relation puts on cars ('no_left_turn'), or None if none applies."""
    excepted = {v.strip() for v in (tags.get("except") or "").split(";")}
    if excepted & {"motorcar", "motor_vehicle"}:
        return None
    for key in ("restriction:motorcar", "restriction:motor_vehicle", "restriction"):
        value = (tags.get(key) or "").strip()
        if value:
            return value if _RESTRICTION.match(value) else None
    return None
