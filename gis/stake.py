"""Stake numbers (桩号): 'K1530+200' ⇄ 1530200 metres along a route."""

from __future__ import annotations

import re

from gis.errors import InvalidParameter

# '+' arrives as a space when a URL query is not percent-encoded (K1530+200 → "K1530 200").
_STAKE = re.compile(r"^\s*[Kk](\d{1,5})[+ ](\d{1,3}(?:\.\d+)?)\s*$")


def format_stake(stake_m: float) -> str:
    """'K123+456' for 123456 m, rounded to the metre."""
    metres = int(round(stake_m))
    if metres < 0:
        raise ValueError(f"a stake cannot be negative; got {stake_m}")
    return f"K{metres // 1000}+{metres % 1000:03d}"


def parse_stake(text: str, *, parameter: str = "stake") -> float:
    """Metres for 'K123+456' (or a plain number of metres); InvalidParameter otherwise."""
    match = _STAKE.match(text or "")
    if match:
        km, metres = int(match.group(1)), float(match.group(2))
        if metres >= 1000:
            raise InvalidParameter(
                f"{parameter} {text!r}: the metres after '+' must be below 1000", parameter=parameter
            )
        return km * 1000 + metres
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InvalidParameter(
            f"{parameter} must look like K1530+200 (or metres); got {text!r}", parameter=parameter
        ) from None
    if value < 0:
        raise InvalidParameter(f"{parameter} cannot be negative; got {text!r}", parameter=parameter)
    return value
