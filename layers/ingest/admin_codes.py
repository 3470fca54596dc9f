"""Administrative codes on import: adcode from a `gb` code (156 + adcode), level and parent inferred."""

from __future__ import annotations

import re

_ADCODE = re.compile(r"^\d{6}$")
_GB = re.compile(r"^156(\d{6})$")


def _code_text(value: object) -> str | None:
    """'430104' for 430104, 430104.0 or ' 430104 '; None when missing."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def level_of(adcode: str) -> str:
    """'province', 'city' or 'county' as the six digits of `adcode` imply."""
    if adcode.endswith("0000"):
        return "province"
    if adcode.endswith("00"):
        return "city"
    return "county"


def parent_of(adcode: str, level: str) -> str | None:
    """The adcode of the area that contains `adcode` (None for a province)."""
    if level == "county":
        return adcode[:4] + "00"
    if level == "city":
        return adcode[:2] + "0000"
    return None


def complete_admin_properties(props: dict[str, object]) -> dict[str, object]:
    """`props` with adcode (from `gb` when absent), level and parent_adcode filled in where they can be."""
    keys = {k.lower(): k for k in props}
    out = {k: v for k, v in props.items() if k.lower() not in ("adcode", "level", "parent_adcode")}
    adcode = _code_text(props.get(keys.get("adcode", "")))
    if adcode is None:
        gb = _code_text(props.get(keys.get("gb", "")))
        match = _GB.match(gb or "")
        adcode = match.group(1) if match else None
    level = props.get(keys.get("level", ""))
    parent = _code_text(props.get(keys.get("parent_adcode", "")))
    if adcode is not None:
        out["adcode"] = adcode
        if _ADCODE.match(adcode):
            if level in (None, ""):
                level = level_of(adcode)
            if parent is None and isinstance(level, str):
                parent = parent_of(adcode, level.strip().lower())
    if level not in (None, ""):
        out["level"] = level
    if parent is not None:
        out["parent_adcode"] = parent
    return out


def admin_code_errors(values: dict[str, object]) -> list[tuple[str, str]]:
    """(field, reason) for adcodes that are not six digits."""
    errors = []
    for name in ("adcode", "parent_adcode"):
        value = values.get(name)
        if isinstance(value, str) and not _ADCODE.match(value):
            errors.append((name, f'expected six digits such as 430104, got "{value}"'))
    return errors
