"""One typed parsing layer for the values requests carry (query strings, JSON bodies, the CLI).

Every function takes what arrived (text from a query string, or a decoded JSON value) and returns
the typed value, or raises InvalidParameter (400) naming the parameter and the fix. The checks are
the ones PostgreSQL and Python would otherwise fail on later with internal text: NUL characters and
unpaired surrogates in text, non-finite numbers (`nan`, `inf`, `1e400`), integers past 64 bits,
instants outside the range the database and Python share, values of the wrong JSON type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gis.errors import InvalidParameter, TooLarge

INT64_MAX = 2**63 - 1  # PostgreSQL bigint
INT64_MIN = -(2**63)
INT32_MAX = 2**31 - 1  # PostgreSQL integer
MAX_JSON_DEPTH = 64  # GeoJSON multipolygons need 4; nothing a client sends needs more than a few
# Instants a request may name: wide enough for any record, narrow enough that a time zone cannot
# push one past what Python's datetime (years 1..9999) reads back from the database.
MIN_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_MAX_NUMBER_TEXT = 64  # characters of a number in a query string (int() of 5,000 digits is slow)


def _shown(value: Any, width: int = 60) -> str:
    """A value as a message quotes it: JSON, cut to `width` characters, control characters escaped."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind(value: Any) -> str:
    """The JSON type of a decoded value, as a message names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as PostgreSQL text (NUL, an unpaired surrogate), or None."""
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds an unpaired surrogate such as \\ud800)"
    return None


def text(value: Any, name: str, *, max_length: int = 10_000) -> str:
    """A string that PostgreSQL can store: no NUL, valid Unicode, at most `max_length` characters."""
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string; got {_kind(value)} {_shown(value)}", parameter=name)
    problem = text_problem(value)
    if problem:
        raise InvalidParameter(f"{name} {problem}", parameter=name)
    if len(value) > max_length:
        raise InvalidParameter(f"{name} is limited to {max_length:,} characters; got {len(value):,}", parameter=name)
    return value


def number(
    value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None, fix: str = ""
) -> float:
    """A finite number from a JSON number or query text, within [minimum, maximum] when given."""
    bounds = _bounds(minimum, maximum)
    hint = fix or f"a number{bounds}"
    zh = f"参数 {name} 应为{_bounds_zh(minimum, maximum)}数字；收到 {_shown(value)}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidParameter(
            f"{name} must be {hint}; got {_kind(value)} {_shown(value)}", parameter=name, detail_zh=zh
        )
    if isinstance(value, str):
        if len(value) > _MAX_NUMBER_TEXT:
            raise InvalidParameter(f"{name} must be {hint}; got {len(value)} characters", parameter=name, detail_zh=zh)
        try:
            result = float(value)
        except ValueError:
            raise InvalidParameter(
                f"{name} must be {hint}; got {_shown(value)}", parameter=name, detail_zh=zh
            ) from None
    else:
        try:
            result = float(value)
        except OverflowError:  # an int past a float's range
            result = math.inf
    if not math.isfinite(result):
        raise InvalidParameter(
            f"{name} must be {hint}; got {_shown(value)}, which is not a finite number", parameter=name, detail_zh=zh
        )
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise InvalidParameter(f"{name} must be {hint}; got {_shown(value)}", parameter=name, detail_zh=zh)
    return result


def integer(value: Any, name: str, *, minimum: int = INT64_MIN, maximum: int | None = INT64_MAX, fix: str = "") -> int:
    """An integer from a JSON number (integral) or query text, within [minimum, maximum] (64-bit by default;
    maximum None: any size, for ids that are simply not found when past 64 bits)."""
    hint = fix or f"an integer{_bounds(minimum, maximum)}"
    zh = f"参数 {name} 应为{_bounds_zh(minimum, maximum)}整数；收到 {_shown(value)}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidParameter(
            f"{name} must be {hint}; got {_kind(value)} {_shown(value)}", parameter=name, detail_zh=zh
        )
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise InvalidParameter(f"{name} must be {hint}; got {_shown(value)}", parameter=name, detail_zh=zh)
        result = int(value)
    elif isinstance(value, str):
        stripped = value.strip()
        if len(stripped) > _MAX_NUMBER_TEXT or not (
            stripped.lstrip("+-").isascii() and stripped.lstrip("+-").isdigit()
        ):
            raise InvalidParameter(f"{name} must be {hint}; got {_shown(value)}", parameter=name, detail_zh=zh)
        result = int(stripped)
    else:
        result = value
    if result < minimum or (maximum is not None and result > maximum):
        raise InvalidParameter(f"{name} must be {hint}; got {_shown(value)}", parameter=name, detail_zh=zh)
    return result


def _bounds(minimum: float | None, maximum: float | None) -> str:
    def fmt(v: float) -> str:
        return f"{v:,}" if isinstance(v, int) else f"{v:g}"

    if minimum == INT64_MIN:
        minimum = None
    if maximum == INT64_MAX:
        maximum = None
    if minimum is not None and maximum is not None:
        return f" from {fmt(minimum)} to {fmt(maximum)}"
    if minimum is not None:
        return f" of at least {fmt(minimum)}"
    if maximum is not None:
        return f" of at most {fmt(maximum)}"
    return ""


def _bounds_zh(minimum: float | None, maximum: float | None) -> str:
    """The bounds as a Chinese message states them ("10～5000之间的"), or ''."""

    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    low = None if minimum in (None, INT64_MIN) else minimum
    high = None if maximum in (None, INT64_MAX) else maximum
    if low is not None and high is not None:
        return f"{fmt(low)}～{fmt(high)}之间的"
    if low is not None:
        return f"不小于{fmt(low)}的"
    if high is not None:
        return f"不大于{fmt(high)}的"
    return ""


def instant(value: Any, name: str) -> datetime | None:
    """An ISO-8601 instant between 1900 and 2999 (naive times are Asia/Shanghai); None for null or ""."""
    if value is None or value == "":
        return None
    example = "an ISO-8601 time such as 2026-01-20T08:00:00+08:00"
    zh = f"{name} 应为ISO-8601时间，如2026-01-20T08:00:00+08:00（不带时区按北京时间）；收到 {_shown(value)}"
    if not isinstance(value, str) or len(value) > 64 or "\x00" in value:
        raise InvalidParameter(f"{name} must be {example}; got {_shown(value)}", parameter=name, detail_zh=zh)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"{name} must be {example}; got {_shown(value)}", parameter=name, detail_zh=zh) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    try:
        in_range = MIN_INSTANT <= parsed <= MAX_INSTANT
    except OverflowError:  # an offset that pushes year 1 or 9999 past datetime's range
        in_range = False
    if not in_range:
        raise InvalidParameter(
            f"{name} must be a time between {MIN_INSTANT:%Y-%m-%d} and {MAX_INSTANT:%Y-%m-%d}; got {_shown(value)}",
            parameter=name,
            detail_zh=f"{name} 须在{MIN_INSTANT:%Y-%m-%d}至{MAX_INSTANT:%Y-%m-%d}之间；收到 {_shown(value)}",
        )
    return parsed


def lonlat(value: Any, name: str) -> tuple[float, float]:
    """(lon, lat) in degrees from 'lon,lat' text or a [lon, lat] JSON pair."""
    if isinstance(value, str):  # the common case first, without building the messages (every GET /route)
        pair = value.split(",")
        if len(pair) == 2 and len(pair[0]) <= _MAX_NUMBER_TEXT and len(pair[1]) <= _MAX_NUMBER_TEXT:
            try:
                lon, lat = float(pair[0]), float(pair[1])
            except ValueError:
                pass
            else:
                if -180 <= lon <= 180 and -90 <= lat <= 90:  # NaN fails, and gets the message below
                    return lon, lat
    fix = f"{name} must be lon,lat in degrees (lon -180..180, lat -90..90); got {_shown(value)}"
    zh = f"参数 {name} 应为“经度,纬度”（单位度，经度 -180..180，纬度 -90..90）；收到 {_shown(value)}"
    if isinstance(value, list | tuple):
        parts: list[Any] = list(value)
    elif isinstance(value, str):
        parts = value.split(",")
    else:
        raise InvalidParameter(fix, parameter=name, detail_zh=zh)
    if len(parts) != 2:
        raise InvalidParameter(fix, parameter=name, detail_zh=zh)
    try:
        lon = number(parts[0], name, minimum=-180, maximum=180)
        lat = number(parts[1], name, minimum=-90, maximum=90)
    except InvalidParameter:
        raise InvalidParameter(fix, parameter=name, detail_zh=zh) from None
    return lon, lat


def choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """`value` when it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidParameter(
            f"{name} must be one of {', '.join(choices)}; got {_shown(value)}",
            parameter=name,
            detail_zh=f"参数 {name} 应为 {', '.join(choices)} 之一；收到 {_shown(value)}",
        )
    return value


def json_object(value: Any, name: str, *, fix: str = "a JSON object") -> dict[str, Any]:
    """`value` when it is a JSON object."""
    if not isinstance(value, dict):
        raise InvalidParameter(f"{name} must be {fix}; got {_kind(value)}", parameter=name)
    return value


def json_list(value: Any, name: str, *, fix: str = "a JSON list", non_empty: bool = False) -> list[Any]:
    """`value` when it is a JSON list (non-empty when asked)."""
    if not isinstance(value, list) or (non_empty and not value):
        got = "an empty list" if isinstance(value, list) else _kind(value)
        raise InvalidParameter(f"{name} must be {fix}; got {got}", parameter=name)
    return value


def string_list(value: Any, name: str, choices: tuple[str, ...]) -> set[str]:
    """A set of flags from a JSON list of strings (or null), each one of `choices`."""
    if value is None:
        return set()
    items = json_list(value, name, fix=f"a list of strings from {', '.join(choices)}")
    for item in items:
        choice(item, name, choices)
    return set(items)


def flags(value: str | None, name: str, choices: tuple[str, ...]) -> set[str]:
    """A set of flags from comma-separated query text, each one of `choices`."""
    values = {v.strip() for v in (value or "").split(",") if v.strip()}
    bad = values - set(choices)
    if bad:
        got = ", ".join(sorted(_shown(b) for b in bad))
        raise InvalidParameter(
            f"{name} accepts {', '.join(choices)}; got {got}",
            parameter=name,
            detail_zh=f"参数 {name} 可取 {', '.join(choices)}（可用逗号分隔多个）；收到 {got}",
        )
    return values


# ------------------------------------------------------------------ whole requests


def query_problem(args: Mapping[str, Any]) -> InvalidParameter | None:
    """The first query parameter (name or value) PostgreSQL could not hold as text, as an error; or None."""
    for key, values in args.lists() if hasattr(args, "lists") else ((k, [v]) for k, v in args.items()):
        problem = text_problem(key)
        if problem:
            return InvalidParameter(f"a query parameter name {problem}", parameter=_shown(key, 40))
        for value in values:
            problem = text_problem(value)
            if problem:
                return InvalidParameter(f"{key} {problem}", parameter=key)
    return None


def _path(parent: str, key: Any) -> str:
    """`sources[0][1]`, `geometry.coordinates`: a member as a message names it (top level: its key)."""
    return f"{parent}[{key}]" if isinstance(key, int) else (f"{parent}.{key}" if parent else str(key))


def parse_json_body(data: bytes, *, name: str = "body") -> Any:
    """A JSON document as a request body: UTF-8, text that PostgreSQL can store (no NUL, no unpaired
    surrogate) in every string, nested at most MAX_JSON_DEPTH deep; InvalidParameter names the member
    at fault (`sources[0][1]`). NaN, Infinity and 1e400 (read as inf) are left to the member's own
    parser (number(), integer(), parse_stake …), which names the member and its fix."""
    fix = "JSON (Content-Type: application/json)"
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidParameter(f"the body must be {fix} in UTF-8", parameter=name) from None
    except RecursionError:  # the decoder's own guard (about 1,000 levels): 100,000 '[' end here
        raise _too_deep(name) from None
    except ValueError as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidParameter(f"the body must be {fix}; it is not valid JSON{where}", parameter=name) from None
    check_json_values(doc, name)
    return doc


def _too_deep(name: str) -> InvalidParameter:
    return InvalidParameter(
        f"{name} is nested too deeply; at most {MAX_JSON_DEPTH} levels are accepted", parameter=name
    )


def check_json_values(doc: Any, name: str = "body") -> None:
    """InvalidParameter for the first string (value or member name) PostgreSQL cannot store, or nesting
    past MAX_JSON_DEPTH, in a decoded JSON value."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or name
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(name)
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise InvalidParameter(f"{where} {problem}", parameter=where)
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem:
                    raise InvalidParameter(f"a member name in {where} {problem}", parameter=where)
                stack.append((item, _path(path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, _path(path, i) if path else f"{name}[{i}]", depth + 1) for i, item in enumerate(value))


# ------------------------------------------------------------------ GeoJSON geometry

# Nesting of `coordinates` per geometry type: 1 = a position, 2 = a list of positions, …
_COORDINATE_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
_GEOMETRY_EXAMPLE = '{"type": "LineString", "coordinates": [[112.95, 28.10], [112.95, 28.12]]}'


def _positions(value: Any, depth: int, kind: str, name: str) -> None:
    """Check that `value` is `depth` levels of lists ending in [lon, lat] positions of finite numbers."""
    if depth == 1:
        ok = (
            isinstance(value, list)
            and 2 <= len(value) <= 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        )
        if not ok:
            raise InvalidParameter(
                f"{name}: every position of a {kind} must be [lon, lat] in degrees; got {_shown(value)}",
                parameter=name,
            )
        return
    if not isinstance(value, list):
        raise InvalidParameter(
            f"{name}: the coordinates of a {kind} must be nested lists ({depth} levels) of [lon, lat]; "
            f"got {_kind(value)} {_shown(value)}",
            parameter=name,
        )
    fewest = {("LineString", 2): 2, ("MultiLineString", 2): 2, ("Polygon", 2): 4, ("MultiPolygon", 2): 4}
    least = fewest.get((kind, depth), 0)
    if 0 < len(value) < least:  # none at all: an empty geometry, refused where it matters
        what = "a line" if least == 2 else "a polygon ring (closed: the last position repeats the first)"
        raise InvalidParameter(f"{name}: {what} needs at least {least} positions; got {len(value)}", parameter=name)
    for item in value:
        _positions(item, depth - 1, kind, name)


def geojson_geometry(value: Any, name: str = "geometry") -> Any:
    """A shapely geometry from a GeoJSON geometry object, its shape checked first so that no reader's
    internal error reaches a message; InvalidParameter naming `name` and the expected form otherwise."""
    import shapely.geometry

    obj = json_object(value, name, fix=f"a GeoJSON geometry object such as {_GEOMETRY_EXAMPLE}")
    kind = obj.get("type")
    if kind == "GeometryCollection":
        members = json_list(obj.get("geometries"), f"{name}.geometries", fix="a list of GeoJSON geometries")
        for member in members:
            geojson_geometry(member, name)
    elif isinstance(kind, str) and kind in _COORDINATE_DEPTH:
        _positions(obj.get("coordinates"), _COORDINATE_DEPTH[kind], kind, name)
    else:
        raise InvalidParameter(
            f"{name}.type must be one of {', '.join(_COORDINATE_DEPTH)} or GeometryCollection; got {_shown(kind)}",
            parameter=name,
        )
    try:
        return shapely.geometry.shape(obj)
    except Exception:  # shapely's own words are not written for users; the shape was checked above
        raise InvalidParameter(f"{name} cannot be read as a GeoJSON {kind}", parameter=name) from None


def batch(body: Any, key: str, *, noun_en: str, noun_zh: str, limit: int) -> list[dict[str, Any]]:
    """The items of a write that takes one object or `{key: [...]}` (observations, forecasts): a non-empty
    list of objects of at most `limit` (413 past it), else 400 naming the body."""
    items = body.get(key) if isinstance(body, dict) and key in body else [body]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InvalidParameter(
            f'the body must be {noun_en} object or {{"{key}": [...]}} with at least one',
            parameter="body",
            detail_zh=f'请求体须为一条{noun_zh}，或 {{"{key}": [...]}}（至少一条）',
        )
    if len(items) > limit:
        raise TooLarge(
            f"at most {limit} {key} per request; got {len(items)}",
            extra={"limit": limit},
            detail_zh=f"每次最多提交{limit}条{noun_zh}，本次为{len(items)}条",
        )
    return items
