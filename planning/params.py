"""Parsing and checking the parameters planners give (HTTP query or CLI), with messages naming the fix."""

from __future__ import annotations

import math

from gis import params
from gis.errors import InvalidParameter, Unprocessable

SUGGEST_KINDS = ("camera", "enforcement_station", "weather_station")
GAP_KINDS = ("camera", "weather_station")
ROADS = ("all", "expressway", "national_provincial")
LANGS = ("zh-CN", "en")


def parse_year(text: str | None, default: int | None = None) -> int:
    """The standard year: an integer (400 when not a number; the set of valid years is checked later)."""
    if text is None or text == "":
        if default is None:
            raise InvalidParameter("year is required, e.g. year=2019", parameter="year")
        return default
    return params.integer(text, "year", minimum=0, maximum=9999, fix="an integer year such as 2019")


def parse_optional_int(text: str | None, name: str) -> int | None:
    """An optional year parameter (as_of)."""
    if text is None or text == "":
        return None
    return params.integer(text, name, minimum=0, maximum=9999, fix="an integer year such as 2019")


def parse_budget(text: str | None) -> float | None:
    """A budget in cost units (≥ 0), or None when absent."""
    if text is None or text == "":
        return None
    return check_budget(params.number(text, "budget", fix="a number of cost units (1 unit = one typical site)"))


def check_budget(value: float | None) -> float | None:
    """A budget must be a finite number ≥ 0 (422 otherwise)."""
    if value is not None and (not math.isfinite(value) or value < 0):
        raise Unprocessable(
            f"budget must be 0 or more cost units (1 unit = one typical site); got {value:g}",
            parameter="budget",
            extra={"valid": "a number >= 0"},
        )
    return value


def parse_share(text: str | None) -> float:
    """The share of demand an LSCP must cover, in (0, 1]; 1 when absent."""
    if text is None or text == "":
        return 1.0
    value = params.number(text, "share", fix="a number between 0 and 1")
    if not 0 < value <= 1:
        raise Unprocessable(
            f"share must be above 0 and at most 1; got {value:g}", parameter="share", extra={"valid": "0 < share <= 1"}
        )
    return value


def check_choice(value: str | None, choices: tuple[str, ...], name: str, default: str | None = None) -> str:
    """`value` when it is one of `choices` (422 naming them otherwise)."""
    if value is None or value == "":
        if default is None:
            raise Unprocessable(
                f"{name} is required; valid: {', '.join(choices)}", parameter=name, extra={"valid": list(choices)}
            )
        return default
    if value not in choices:
        raise Unprocessable(
            f"unknown {name} {value!r}; valid: {', '.join(choices)}", parameter=name, extra={"valid": list(choices)}
        )
    return value
