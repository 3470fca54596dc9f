"""Stake numbers (桩号): 'K1530+200' ⇄ 1530200 metres along a route."""

from __future__ import annotations

import re
from typing import Any

from gis.errors import InvalidParameter
from gis.params import number

MAX_STAKE_M = 1e8  # 100,000 km: longer than any route
# '+' arrives as a space when a URL query is not percent-encoded (K1530+200 → "K1530 200"); a stake
# written without metres, as bulletins do ("K1330"), is the whole kilometre (K1330+000).
_STAKE = re.compile(r"^\s*[Kk](\d{1,5})(?:[+ ](\d{1,3}(?:\.\d+)?))?\s*$")


def format_stake(stake_m: float) -> str:
    """'K123+456' for 123456 m, rounded to the metre."""
    metres = int(round(stake_m))
    if metres < 0:
        raise ValueError(f"a stake cannot be negative; got {stake_m}")
    return f"K{metres // 1000}+{metres % 1000:03d}"


def parse_stake(value: Any, *, parameter: str = "stake") -> float:
    """Metres for 'K123+456' (or 'K123', the whole kilometre), or a plain number of metres (text or a JSON number), from 0 to
    MAX_STAKE_M; InvalidParameter naming the value otherwise (nan, inf and 1e400 included)."""
    fix = "a stake such as K1530+200 (or metres from 0 to 100,000 km)"
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidParameter(
                f"{parameter} must be {fix}; it holds a NUL character",
                parameter=parameter,
                detail_zh=f"{parameter} 应为桩号，如K1530+200（或0至10万公里的米数）；其中含有NUL字符",
            )
        match = _STAKE.match(value)
        if match:
            km, metres = int(match.group(1)), float(match.group(2) or 0)
            if metres >= 1000:
                raise InvalidParameter(
                    f"{parameter} {value!r}: the metres after '+' must be below 1000",
                    parameter=parameter,
                    detail_zh=f"{parameter} {value!r}：桩号“+”后的米数须小于1000",
                )
            return km * 1000 + metres
    return number(value, parameter, minimum=0, maximum=MAX_STAKE_M, fix=fix)
