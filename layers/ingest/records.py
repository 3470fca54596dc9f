"""Column mappings and per-layer preparation of imported records (accidents, violations, registries).

Police and camera systems export with Chinese column headers (事故发生时间, 经度, 纬度, 死亡人数…).
Each layer has a default mapping from those headers to its properties; `--map 源列=字段,…` (or the
`map` query parameter) adds to it or overrides it. Preparation then turns the values the systems
write into the catalogue's: times without a zone are Beijing time (+08:00), written with / or 年月日
as well as ISO; 上行/下行 become up/down; the 两客一危一校 flags follow 车辆类型 when not given; a
violation count without a camera position takes its camera's, and its record id defaults to camera
(or position), day and type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import InvalidParameter
from layers.ingest.readers import SourceTable

BEIJING = timezone(timedelta(hours=8))
# Layers whose rows may come without coordinates, placed at their camera (camera_code).
PLACED_BY_CAMERA = frozenset({"violations"})

# Header (as the systems write it) → property. Keys compare after stripping; lon/lat are read by the
# readers (经度/纬度 are among their default names; a mapping onto lon or lat names the column).
DEFAULT_MAPS: dict[str, dict[str, str]] = {
    "accidents": {
        "事故编号": "source_id",
        "事故编码": "source_id",
        "案件编号": "source_id",
        "事故发生时间": "occurred_at",
        "发生时间": "occurred_at",
        "事故时间": "occurred_at",
        "死亡人数": "deaths",
        "受伤人数": "injuries",
        "直接财产损失": "property_damage_cny",
        "财产损失": "property_damage_cny",
        "直接财产损失(元)": "property_damage_cny",
        "事故形态": "collision_type",
        "车辆类型": "vehicle_types",
        "车辆类别": "vehicle_types",
        "号牌号码": "plates",
        "车牌号": "plates",
        "车牌号码": "plates",
        "是否客运车辆": "passenger",
        "是否危化品运输车辆": "hazmat",
        "是否校车": "school_bus",
        "是否货车": "truck",
        "天气": "weather",
        "照明条件": "light",
        "路面状况": "road_surface",
        "事故原因": "cause",
        "主要违法行为": "cause",
        "事故地点": "place",
        "发生地点": "place",
        "行驶方向": "direction",
        "方向": "direction",
        "道路编号": "route_code",
        "路线编号": "route_code",
        "数据来源": "source",
    },
    "violations": {
        "违法日期": "day",
        "日期": "day",
        "统计日期": "day",
        "违法类型": "kind",
        "违法行为": "kind",
        "违法数量": "count",
        "违法次数": "count",
        "数量": "count",
        "设备编号": "camera_code",
        "设备编码": "camera_code",
        "卡口编号": "camera_code",
        "方向": "direction",
        "行驶方向": "direction",
        "道路编号": "route_code",
        "路线编号": "route_code",
        "记录编号": "source_id",
        "数据来源": "source",
    },
    "key_vehicles": {
        "号牌号码": "plate",
        "车牌号": "plate",
        "车牌号码": "plate",
        "车辆类型": "kind",
        "车辆类别": "kind",
        "重点车辆类型": "kind",
        "所属企业": "enterprise_code",
        "企业代码": "enterprise_code",
        "所属企业代码": "enterprise_code",
        "统一社会信用代码": "enterprise_code",
        "状态": "status",
        "车辆状态": "status",
        "数据来源": "source",
    },
    "enterprises": {
        "统一社会信用代码": "code",
        "企业代码": "code",
        "企业名称": "name",
        "名称": "name",
        "企业类型": "kind",
        "经营类型": "kind",
        "行政区划代码": "county_adcode",
        "所在县区代码": "county_adcode",
        "地址": "address",
        "企业地址": "address",
        "状态": "status",
        "经营状态": "status",
        "数据来源": "source",
    },
}

_DIRECTIONS = {"上行": "up", "下行": "down", "up": "up", "down": "down", "u": "up", "d": "down"}
# 车辆类型 words → the accident's flags (两客一危一校 and trucks).
_FLAG_WORDS = {
    "passenger": ("客运", "客车", "班线", "旅游包车", "大客", "中客"),
    "hazmat": ("危化", "危险化学品", "危险品", "危险货物", "危货", "罐车"),
    "school_bus": ("校车",),
    "truck": ("货车", "货运", "挂车", "半挂", "牵引", "罐车"),
}
_TIME_PATTERNS = (
    (re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$"), 3),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[时:](\d{1,2})分?(?:(\d{1,2})秒?)?)?$"), 3),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$"), 3),
)


def parse_map(text: str | None, parameter: str = "map") -> dict[str, str]:
    """`源列=字段,源列2=字段2` (or `:`) as a dict; InvalidParameter naming what is wrong."""
    out: dict[str, str] = {}
    if not text or not text.strip():
        return out
    for part in re.split(r"[,，;；\n]", text):
        if not part.strip():
            continue
        pair = re.split(r"[=:：]", part, maxsplit=1)
        if len(pair) != 2 or not pair[0].strip() or not pair[1].strip():
            raise InvalidParameter(
                f"{parameter}: {part.strip()!r} is not COLUMN=PROPERTY (e.g. 事故发生时间=occurred_at)",
                parameter=parameter,
            )
        out[pair[0].strip()] = pair[1].strip()
    return out


def column_map(layer_id: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The layer's default mapping with `extra` on top."""
    return {**DEFAULT_MAPS.get(layer_id, {}), **(extra or {})}


def geometry_columns_from(mapping: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The columns a mapping names as longitude and latitude (`X坐标=lon`), if any."""
    lon = next((k for k, v in mapping.items() if v.lower() in ("lon", "lng", "longitude")), None)
    lat = next((k for k, v in mapping.items() if v.lower() in ("lat", "latitude")), None)
    return lon, lat


def rename(properties: dict[str, object], mapping: Mapping[str, str]) -> dict[str, object]:
    """`properties` with mapped names replaced (a property given under its own name wins)."""
    if not mapping:
        return properties
    out: dict[str, object] = {}
    for key, value in properties.items():
        target = mapping.get(str(key).strip())
        if target is None or target in properties:
            out[key] = value
        elif target not in out:
            out[target] = value
    return out


def beijing_time(value: object) -> object:
    """An ISO 8601 text with a zone for a time the systems write (naive = Beijing time); else `value`
    unchanged, for the validator to refuse with its reason."""
    moment: datetime | None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        moment = _parse_time(str(value).strip())
    if moment is None:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.isoformat()


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern, _ in _TIME_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = [int(g) if g else 0 for g in m.groups()]
            try:
                return datetime(*parts)  # type: ignore[arg-type]
            except ValueError:
                return None
    return None


def plain_date(value: object) -> object:
    """An ISO date for a day written as a date, a datetime or 2021/3/5 / 2021年3月5日; else `value`."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    moment = _parse_time(str(value).strip())
    return moment.date().isoformat() if moment else value


def direction(value: object) -> object:
    """up/down for 上行/下行 (and up/down); other values unchanged (the validator names them)."""
    return _DIRECTIONS.get(str(value).strip().lower(), value)


def vehicle_flags(vehicle_types: str) -> dict[str, bool]:
    """The 两客一危一校 and truck flags 车辆类型 implies."""
    return {flag: any(w in vehicle_types for w in words) for flag, words in _FLAG_WORDS.items()}


@functools.lru_cache(maxsize=4096)
def _vehicle_flag_items(vehicle_types: str) -> tuple[tuple[str, bool], ...]:
    """vehicle_flags as items, once per distinct 车辆类型 text (a file repeats a few)."""
    return tuple(vehicle_flags(vehicle_types).items())


def prepare(
    conn: Connection, layer_id: str, table: SourceTable, mapping: Mapping[str, str]
) -> dict[int, shapely.Point]:
    """Rename the records' columns by `mapping` and normalise the values the layer needs, in place.

    Returns the WGS84 positions taken from the cameras layer, by row: they are set again after
    validation, which would read them in the file's coordinate system.
    """
    for record in table.records:
        props = rename(record.properties, mapping)
        if layer_id == "accidents":
            _accident(props)
        elif layer_id == "violations":
            _violation(props)
        record.properties = props
    if layer_id == "violations":
        return _violations_at_cameras(conn, table)
    return {}


def _accident(props: dict[str, object]) -> None:
    if props.get("occurred_at") not in (None, ""):
        props["occurred_at"] = beijing_time(props["occurred_at"])
    if props.get("direction") not in (None, ""):
        props["direction"] = direction(props["direction"])
    kinds = props.get("vehicle_types")
    if kinds:
        for flag, on in _vehicle_flag_items(str(kinds)):
            props.setdefault(flag, on)
    for name in ("deaths", "injuries"):
        if props.get(name) in (None, ""):
            props[name] = 0


def _violation(props: dict[str, object]) -> None:
    if props.get("day") not in (None, ""):
        props["day"] = plain_date(props["day"])
    if props.get("direction") not in (None, ""):
        props["direction"] = direction(props["direction"])


def _violations_at_cameras(conn: Connection, table: SourceTable) -> dict[int, shapely.Point]:
    """Give a violation row without coordinates its camera's position; default its record id."""
    codes = {
        str(r.properties["camera_code"]).strip()
        for r in table.records
        if r.geometry is None and r.properties.get("camera_code")
    }
    found: dict[str, shapely.Point] = {}
    placed: dict[int, shapely.Point] = {}
    if codes:
        rows = conn.execute(
            sa.text("SELECT code, ST_X(geom), ST_Y(geom) FROM cameras WHERE code = ANY (:codes)"),
            {"codes": sorted(codes)},
        )
        found = {code: shapely.Point(x, y) for code, x, y in rows}
    for record in table.records:
        props = record.properties
        code = str(props.get("camera_code") or "").strip()
        if record.geometry is None and code:
            if code in found:
                record.geometry = placed[record.row] = found[code]
            else:
                record.errors.append(
                    ("camera_code", f"camera {code!r} is not in the cameras layer and the row has no coordinates")
                )
        if not props.get("source_id") and props.get("day") and props.get("kind"):
            where = code or (f"{record.geometry.x:.5f},{record.geometry.y:.5f}" if record.geometry is not None else "")
            props["source_id"] = f"{where}/{props['day']}/{props['kind']}/{props.get('direction') or ''}"
    return placed
