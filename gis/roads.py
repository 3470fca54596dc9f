"""Road classes, their default speeds, and Chinese route-code rules (domain.md)."""

from __future__ import annotations

import re

# Default free-flow speed by class when a segment has no maxspeed (km/h).
DEFAULT_SPEED_KMH: dict[str, int] = {
    "expressway": 100,
    "national": 70,
    "provincial": 60,
    "county": 40,
    "township": 30,
    "village": 20,
    "urban": 40,
    "link": 50,
}

_EXPRESSWAY_REF = re.compile(r"^(G\d{1,2}|G\d{4}|S\d{1,4})$")
_NATIONAL_REF = re.compile(r"^G\d{3}$")
_PROVINCIAL_REF = re.compile(r"^S\d{1,4}$")
_COUNTY_REF = re.compile(r"^X\d{1,4}$")
_TOWNSHIP_REF = re.compile(r"^Y\d{1,4}$")


def normalise_ref(ref: str | None) -> str | None:
    """The first route code of an OSM `ref` ('G4;G60' → 'G4'), upper-cased, spaces removed."""
    if not ref:
        return None
    first = re.split(r"[;,/]", ref)[0].strip().upper().replace(" ", "")
    return first or None


def class_from_ref(ref: str | None, *, motorway: bool) -> str | None:
    """Road class a Chinese route code implies, or None when it implies nothing.

    G + 1–2 or 4 digits and S + digits on a motorway are expressways; G + 3 digits is a national
    road; S a provincial, X a county and Y a township road.
    """
    code = normalise_ref(ref)
    if not code:
        return None
    if motorway and _EXPRESSWAY_REF.match(code):
        return "expressway"
    if re.match(r"^G\d{1,2}$|^G\d{4}$", code):
        return "expressway"
    if _NATIONAL_REF.match(code):
        return "national"
    if _PROVINCIAL_REF.match(code):
        return "provincial"
    if _COUNTY_REF.match(code):
        return "county"
    if _TOWNSHIP_REF.match(code):
        return "township"
    return None
