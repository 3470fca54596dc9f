"""The columns of a road database file: which column holds what, and what its values mean.

Transport departments' road databases (公路数据库, 电子地图) name their columns in Chinese or by the
pinyin initials of the Chinese (路线编码 LXBM, 技术等级 JSDJ …); both are recognised, English names
too, and `--map field=column` names any other.
"""

from __future__ import annotations

import re

from gis.errors import InvalidParameter
from gis.roads import DEFAULT_SPEED_KMH
from gis.stake import parse_stake

# field → the column names looked for, in order (case-insensitive).
DEFAULTS: dict[str, tuple[str, ...]] = {
    "route_code": ("路线编码", "路线代码", "路线编号", "LXBM", "LXDM", "route_code", "ref"),
    "name": ("路线名称", "路段名称", "LXMC", "name"),
    "technical_grade": ("技术等级", "JSDJ", "technical_grade", "grade"),
    "admin_grade": ("行政等级", "XZDJ", "admin_grade", "road_class"),
    "start_stake": ("起点桩号", "QDZH", "start_stake"),
    "end_stake": ("止点桩号", "终点桩号", "ZDZH", "end_stake"),
    "lanes": ("车道数", "车道数量", "CDS", "lanes"),
    "surface": ("路面类型", "LMLX", "surface"),
    "direction": ("方向", "行车方向", "上下行", "FX", "direction"),
    "bridge": ("桥梁", "是否桥梁", "QL", "SFQL", "bridge"),
    "tunnel": ("隧道", "是否隧道", "SFSD", "tunnel"),
    "level": ("层级", "高程层级", "level", "layer", "z_level", "zlevel"),
    "maxspeed": ("限速", "maxspeed", "maxspeed_kmh"),
    "id": ("路段编码", "id", "fid", "OBJECTID"),
}
FIELDS = tuple(DEFAULTS)
STAKE_UNITS = ("km", "m")

# 行政等级 (and English class names) → Daoan road class.
_ADMIN = {
    "国道": "national",
    "国": "national",
    "national": "national",
    "省道": "provincial",
    "省": "provincial",
    "provincial": "provincial",
    "县道": "county",
    "县": "county",
    "county": "county",
    "乡道": "township",
    "乡": "township",
    "township": "township",
    "村道": "village",
    "村": "village",
    "village": "village",
    "expressway": "expressway",
    "高速公路": "expressway",
    "urban": "urban",
    "城市道路": "urban",
    "link": "link",
    "匝道": "link",
}
# Route-code prefixes (JTG: G 国道, S 省道, X 县道, Y 乡道, C 村道; county and lower codes may carry
# the 6-digit county code, e.g. X012430124).
_CODE_CLASS = (
    (re.compile(r"^G\d{1,2}$|^G\d{4}$"), "expressway"),
    (re.compile(r"^G\d{3}$"), "national"),
    (re.compile(r"^S\d{1,2}$"), "expressway"),
    (re.compile(r"^S\d{3,4}$"), "provincial"),
    (re.compile(r"^X\d{3}(\d{6})?$"), "county"),
    (re.compile(r"^Y\d{3}(\d{6})?$"), "township"),
    (re.compile(r"^C\d{3}(\d{6})?$"), "village"),
)
_ADMIN_LETTER = {"g": "national", "s": "provincial", "x": "county", "y": "township", "c": "village"}
_GRADES = {
    "高速": "高速公路",
    "高速公路": "高速公路",
    "expressway": "高速公路",
    "一级": "一级公路",
    "二级": "二级公路",
    "三级": "三级公路",
    "四级": "四级公路",
    "等外": "等外公路",
}
_DIRECTIONS = {
    "上行": "up",
    "上": "up",
    "up": "up",
    "1": "up",
    "下行": "down",
    "下": "down",
    "down": "down",
    "2": "down",
    "双向": "both",
    "both": "both",
    "0": "both",
    "单向": "oneway",
    "oneway": "oneway",
}
_FALSE = {"0", "false", "no", "n", "否", "非", "f"}


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--map field=column` options as {field: column}; InvalidParameter naming a bad one."""
    out: dict[str, str] = {}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        field_name, column = field_name.strip(), column.strip()
        if not sep or not field_name or not column:
            raise InvalidParameter(f"--map {pair!r}: write it as field=column, e.g. route_code=LXBM", parameter="map")
        if field_name not in DEFAULTS:
            raise InvalidParameter(
                f"--map {pair!r}: unknown field {field_name!r}; fields: {', '.join(FIELDS)}", parameter="map"
            )
        out[field_name] = column
    return out


def resolve_columns(columns: list[str], mapping: dict[str, str], *, truncated: bool) -> dict[str, str]:
    """{field: column of the file} for every field found; InvalidParameter for a mapped column that is absent.

    Shapefile column names are cut to 10 bytes (three Chinese characters in UTF-8), so there a column
    whose name begins a default name ('路线编' for 路线编码) is taken too when only one does.
    """
    lowered = {c.lower(): c for c in columns}
    shown = [c for c in columns if not c.startswith("\0")]
    found: dict[str, str] = {}
    for field_name, wanted in mapping.items():
        column = lowered.get(wanted.lower())
        if column is None:
            raise InvalidParameter(
                f"--map {field_name}={wanted}: the file has no column {wanted!r}; its columns are: {', '.join(shown)}",
                parameter="map",
            )
        found[field_name] = column
    taken = set(found.values())
    for field_name, names in DEFAULTS.items():
        if field_name in found:
            continue
        for name in names:
            column = lowered.get(name.lower())
            if column is None and truncated and not name.isascii():
                starts = [c for c in shown if len(c) >= 2 and name.startswith(c) and c not in taken]
                column = starts[0] if len(starts) == 1 else None
            if column is not None and column not in taken:
                found[field_name] = column
                taken.add(column)
                break
    return found


def text(value: object) -> str | None:
    """A cell as stripped text; None for empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


def road_class(admin: str | None, grade: str | None, code: str | None) -> str | None:
    """Daoan's class: an expressway by its technical grade (G4 is 国道 by administration, 高速公路 by
    grade), else by 行政等级, else by the route code's prefix; None when nothing says."""
    if grade is not None and technical_grade(grade) == "高速公路":
        return "expressway"
    by_code = None
    if code is not None:
        by_code = next((cls for pattern, cls in _CODE_CLASS if pattern.match(code.upper())), None)
    if admin is not None:
        key = admin.strip().lower()
        cls = _ADMIN.get(key) or _ADMIN_LETTER.get(key)
        if cls in ("national", "provincial") and by_code == "expressway":
            return "expressway"  # G4 is 国道 and S20 省道 by administration, expressways by their code
        return cls
    return by_code


def technical_grade(value: str | None) -> str | None:
    """The technical grade in its usual words ('二级' → '二级公路'); other text as given."""
    if value is None:
        return None
    key = value.strip().removesuffix("公路").lower()
    return _GRADES.get(key, _GRADES.get(value.strip().lower(), value.strip()))


def direction(value: str | None) -> str | None:
    """'up' (上行, increasing stakes), 'down' (下行), 'oneway' (单向, as drawn), 'both'; None if unknown."""
    if value is None:
        return "both"
    return _DIRECTIONS.get(value.strip().lower())


def flag(value: object) -> bool:
    """A bridge/tunnel cell: anything but empty, 0, false, no, 否 is true."""
    shown = text(value)
    return shown is not None and shown.lower() not in _FALSE


def stake_m(value: object, unit: str, column: str) -> float | None:
    """Metres for a stake cell: 'K123+456' text, or a number in `unit` (km: 1530.200; m: 1530200)."""
    if value is None:
        return None
    if isinstance(value, str):
        raw = value.strip()
        if not raw:
            return None
        if raw[:1] in "Kk":
            return parse_stake(raw, parameter=column)
        try:
            value = float(raw)
        except ValueError:
            raise InvalidParameter(
                f'"{raw}" is neither a stake such as K123+456 nor a number', parameter=column
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameter(f"{value!r} is not a stake", parameter=column)
    metres = float(value) * (1000.0 if unit == "km" else 1.0)
    return parse_stake(metres, parameter=column)


def lanes(value: object) -> int | None:
    """A lane count from 1 to 20; ValueError otherwise."""
    shown = text(value)
    if shown is None:
        return None
    n = float(shown)
    if not n.is_integer() or not 1 <= n <= 20:
        raise ValueError(shown)
    return int(n)


def speed(value: object) -> int | None:
    """A speed limit in km/h (5–150); ValueError otherwise."""
    shown = text(value)
    if shown is None:
        return None
    n = float(shown)
    if not 5 <= n <= 150:
        raise ValueError(shown)
    return int(round(n))


def default_speed(cls: str) -> int:
    return DEFAULT_SPEED_KMH.get(cls, 30)
