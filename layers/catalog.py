"""Declarations of every layer Daoan serves; built once, read everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from gis.errors import NotFound
from gis.models import Base, ImportRun
from layers import symbology as sym
from layers.symbology import Draw

# How far a point of the layer may lie from a road on import.
ON_ROAD = "on_road"  # rejected beyond settings.on_road_tolerance_m
ROADSIDE = "roadside"  # rejected beyond settings.roadside_tolerance_m
OFF_ROAD = "off_road"  # never rejected for distance; keeps the nearest road and the distance

# Who may read a layer or a property (the plan's 安全接入, 二(四)1). Public: anyone, anonymously, in
# public tiles too. Internal: only with a token of a reading role (gis/access.py); stripped from
# anonymous answers, left out of public composite tiles, every read written to the audit log.
PUBLIC = "public"
INTERNAL = "internal"


@dataclass(frozen=True)
class Property:
    """A property column served for a layer: its JSON type, and an enumeration when closed."""

    name: str
    type: str  # "string", "integer", "number", "boolean", "datetime", "date"
    enum: tuple[str, ...] | None = None
    required: bool = False
    description: str = ""
    access: str = PUBLIC  # PUBLIC or INTERNAL (an internal property of a public layer is stripped)

    @property
    def internal(self) -> bool:
        return self.access == INTERNAL

    @property
    def schema(self) -> dict[str, Any]:
        """The property's JSON Schema (a datetime is an RFC 3339 string), as the collection document
        and the OpenAPI filter parameters give it."""
        base: dict[str, Any] = (
            {"type": "string", "format": "date-time"}
            if self.type == "datetime"
            else {"type": "string", "format": "date"}
            if self.type == "date"
            else {"type": self.type}
        )
        return {**base, "enum": list(self.enum)} if self.enum else base


@dataclass(frozen=True)
class ZoomBand:
    """Generalisation of a layer's tiles from `minzoom` up to the next band's minzoom."""

    minzoom: int
    only: tuple[str, ...] | None = None  # allowed values of TileSpec.filter_column; None: every row
    simplify_px: float = 0.0  # Douglas-Peucker tolerance in tile units (4096 per tile); 0: none
    cluster_px: int = 0  # point clustering cell in tile units (4096 per tile, a power of 2); 0: none


@dataclass(frozen=True)
class TileSpec:
    """How a layer is cut into vector tiles: columns, per-zoom generalisation, limits, cache lifetime."""

    columns: tuple[str, ...] | None = None  # property columns in tiles; None: every declared property
    filter_column: str | None = None  # the column ZoomBand.only filters on
    bands: tuple[ZoomBand, ...] = (ZoomBand(0),)
    where: str = ""  # a fixed SQL condition written here in the catalogue, never from a request
    feature_limit: int = 20_000  # hard cap of features per layer per tile
    buffer: int = 64  # tile units (of 4096) drawn beyond each edge
    max_age_s: int = 300  # HTTP Cache-Control max-age; live layers get seconds

    def band(self, z: int) -> ZoomBand:
        """The generalisation in force at zoom `z`."""
        chosen = self.bands[0]
        for band in self.bands:
            if band.minzoom <= z:
                chosen = band
        return chosen


@dataclass(frozen=True)
class Layer:
    """One layer: its table, geometry, properties and how it is shown and imported."""

    id: str
    title: str
    title_zh: str
    table: str
    geometry_type: str  # Point, LineString, MultiLineString, MultiPolygon, Geometry
    properties: tuple[Property, ...]
    description: str = ""
    placement: str | None = None  # ON_ROAD, ROADSIDE, OFF_ROAD for point facilities
    live: bool = False  # changes minute to minute (short cache lifetimes)
    minzoom: int = 0
    maxzoom: int = 22
    importable: bool = True
    style: tuple[Draw, ...] = ()  # how the map draws it (layers/symbology.py; tiles/style.py reads it)
    tiles: TileSpec = TileSpec()
    access: str = PUBLIC  # PUBLIC or INTERNAL: an internal layer needs a reading token for anything

    @property
    def internal(self) -> bool:
        """True when the layer is readable only with a token."""
        return self.access == INTERNAL

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)

    @property
    def has_internal_properties(self) -> bool:
        """True when some property is internal (stripped from anonymous answers)."""
        return any(p.internal for p in self.properties)

    @property
    def restricted(self) -> bool:
        """True when an answer about this layer differs with a token: internal, or internal properties."""
        return self.internal or self.has_internal_properties

    def properties_for(self, internal: bool) -> tuple[Property, ...]:
        """The properties a reader sees: all with a reading token (`internal`), else the public ones."""
        return self.properties if internal else tuple(p for p in self.properties if not p.internal)

    def tile_properties_for(self, internal: bool) -> tuple[Property, ...]:
        """The tile properties a reader sees (see `properties_for`)."""
        return tuple(p for p in self.tile_properties if internal or not p.internal)

    @property
    def tile_properties(self) -> tuple[Property, ...]:
        """The declared properties carried in this layer's vector tiles."""
        if self.tiles.columns is None:
            return self.properties
        return tuple(p for p in self.properties if p.name in self.tiles.columns)

    def property(self, name: str) -> Property | None:
        """The declared property called `name`, if any."""
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None


def _p(name: str, type_: str = "string", *enum: str, required: bool = False, access: str = PUBLIC) -> Property:
    return Property(name, type_, tuple(enum) or None, required, access=access)


STATUS = _p("status", "string", "active", "planned", "inactive")
# Whether an enforcement device works (planned, inactive) tells an offender where not to slow down.
INTERNAL_STATUS = _p("status", "string", "active", "planned", "inactive", access=INTERNAL)
# The department owning a facility (migration 017; the list is the departments table).
DEPARTMENT = _p("department")
# When a facility went into service and was retired (migration 019; install_year follows install_date).
DATES = (_p("install_date", "date"), _p("retired_on", "date"))
LINREF = (
    _p("segment_id", "integer"),
    _p("route_code"),
    _p("stake"),
    _p("stake_m", "number"),
    _p("offset_m", "number"),
    _p("road_distance_m", "number"),
    _p("county_adcode"),
)
ROAD_CLASSES = ("expressway", "national", "provincial", "county", "township", "village", "urban", "link")
_BLACK_SPOT_WIDTH = ["interpolate", ["linear"], ["zoom"], 6, 3, 14, 8]
ACCIDENT_SEVERITIES = ("fatal", "injury", "property")  # 死亡 / 伤人 / 财产损失事故
# Warning levels, lowest first (蓝/黄/橙/红: Ⅳ–Ⅰ of 国家突发公共事件总体应急预案, 2006) and their colours.
WARNING_LEVELS = ("blue", "yellow", "orange", "red")
WARNING_COLOURS = {"blue": "#1c7ed6", "yellow": "#fab005", "orange": "#fd7e14", "red": "#e03131"}
HAZARD_KINDS = ("fog", "ice", "landslide", "sharp_curve", "steep_grade", "blackspot", "congestion")

# The map's colours of road classes (with line widths at zoom 6 and 16) and hazard kinds.
_ROAD_LOOK = {
    "expressway": ("#e8590c", 1.6, 12),
    "national": ("#c2255c", 1.2, 10),
    "provincial": ("#f59f00", 0.9, 8),
    "county": ("#fab005", 0.6, 6),
    "township": ("#adb5bd", 0.4, 4),
    "village": ("#ced4da", 0.3, 3),
    "urban": ("#ced4da", 0.4, 4),
    "link": ("#f08c00", 0.4, 4),
}
_HAZARD_COLOURS = {
    "fog": "#868e96",
    "ice": "#74c0fc",
    "landslide": "#a0522d",
    "sharp_curve": "#f783ac",
    "steep_grade": "#e599f7",
    "blackspot": "#e03131",
    "congestion": "#ff922b",
}

# Vector-tile generalisation. Roads appear class by class as one zooms in; points are clustered on a
# grid aligned with the tiles (so that a cluster never straddles two tiles) until they can stand alone.
ROAD_TILES = TileSpec(
    columns=("road_class", "route_code", "name", "oneway", "lanes", "maxspeed_kmh", "bridge", "tunnel"),
    filter_column="road_class",
    bands=(
        ZoomBand(0, only=("expressway",), simplify_px=8),
        ZoomBand(7, only=("expressway", "national"), simplify_px=6),
        ZoomBand(8, only=("expressway", "national", "provincial"), simplify_px=4),
        ZoomBand(10, only=("expressway", "national", "provincial", "county"), simplify_px=2),
        ZoomBand(12, simplify_px=1),
        ZoomBand(14),
    ),
    feature_limit=12_000,
)
ADMIN_TILES = TileSpec(
    columns=("adcode", "name", "label", "level", "parent_adcode"),
    filter_column="level",
    bands=(
        ZoomBand(0, only=("province", "city"), simplify_px=12),
        ZoomBand(6, simplify_px=8),
        ZoomBand(9, simplify_px=4),
        ZoomBand(12, simplify_px=1),
    ),
    max_age_s=3600,
)


def _points(*, cluster_below: int, cell_px: int = 256) -> TileSpec:
    """Points clustered on a grid of `cell_px` tile units below zoom `cluster_below`, single above."""
    return TileSpec(bands=(ZoomBand(0, cluster_px=cell_px), ZoomBand(cluster_below)))


_LAYERS: tuple[Layer, ...] = (
    Layer(
        "admin_areas",
        "Administrative areas",
        "行政区划",
        "admin_areas",
        "MultiPolygon",
        (
            _p("adcode", required=True),
            _p("name", required=True),
            _p("level", "string", "province", "city", "county", required=True),
            _p("parent_adcode"),
            _p("label"),
        ),
        "Province, cities (市州) and counties (县市区); `label` is the common name a map shows (长沙 for 长沙市, "
        "湘西州, 浏阳; migration 032, generated from the name).",
        tiles=ADMIN_TILES,
        style=sym.admin_areas(),
    ),
    Layer(
        "road_segments",
        "Road segments",
        "道路路段",
        "road_segments",
        "LineString",
        (
            _p("road_class", "string", *ROAD_CLASSES, required=True),
            _p("route_code"),
            _p("name"),
            _p("oneway", "boolean"),
            _p("lanes", "integer"),
            _p("maxspeed_kmh", "integer"),
            _p("default_speed_kmh", "integer"),
            _p("length_m", "number"),
            _p("bridge", "boolean"),
            _p("tunnel", "boolean"),
            _p("start_stake_m", "number"),
            _p("end_stake_m", "number"),
            _p("county_adcode"),
            _p("source_node", "integer"),
            _p("target_node", "integer"),
            _p("source"),
            _p("source_id"),
            _p("technical_grade"),
            _p("surface"),
        ),
        "The drivable road network, one row per segment between junctions.",
        importable=False,
        minzoom=5,
        tiles=ROAD_TILES,
        style=sym.roads({c: _ROAD_LOOK[c] for c in ROAD_CLASSES}),
    ),
    Layer(
        "road_nodes",
        "Road junctions",
        "道路节点",
        "road_nodes",
        "Point",
        (_p("interchange", "boolean"), _p("name"), _p("ref"), _p("source"), _p("source_id")),
        "Junctions of the road network; interchanges flagged.",
        minzoom=10,
        importable=False,
        tiles=TileSpec(columns=("interchange", "name", "ref")),
        style=sym.interchanges("#e8590c"),
    ),
    Layer(
        "cameras",
        "Cameras",
        "视频监控",
        "cameras",
        "Point",
        (
            _p("name"),
            _p("code", access=INTERNAL),  # the device code of the police video network (GB/T 28181)
            _p("kind", "string", "video", "event_detection", "checkpoint", "speed", required=True),
            _p("direction"),
            INTERNAL_STATUS,
            _p("install_year", "integer"),
            *DATES,
            DEPARTMENT,
            *LINREF,
        ),
        "Video, event-detection, checkpoint (卡口) and speed cameras.",
        placement=ON_ROAD,
        minzoom=8,
        tiles=_points(cluster_below=13),
        style=sym.points("#1c7ed6", "#e7f5ff", 3.5, label_from=15, letter="C"),
    ),
    Layer(
        "interval_speed_sections",
        "Interval speed sections",
        "区间测速",
        "interval_speed_sections",
        "LineString",
        (
            _p("name"),
            _p("route_code"),
            _p("direction"),
            _p("start_stake_m", "number"),
            _p("end_stake_m", "number"),
            _p("length_m", "number"),
            _p("speed_limit_kmh", "integer"),
            INTERNAL_STATUS,
            _p("install_year", "integer"),
            *DATES,
            _p("county_adcode"),
            DEPARTMENT,
        ),
        "Pairs of gantries on one route measuring average speed.",
        placement=ON_ROAD,
        minzoom=8,
        tiles=TileSpec(bands=(ZoomBand(0, simplify_px=4), ZoomBand(12))),
        style=sym.road_sections("#7048e8"),
    ),
    Layer(
        "enforcement_stations",
        "Enforcement service points",
        "执法服务点",
        "enforcement_stations",
        "Point",
        (_p("name"), STATUS, _p("install_year", "integer"), *DATES, DEPARTMENT, *LINREF),
        "Traffic-safety enforcement service points.",
        placement=ROADSIDE,
        minzoom=7,
        tiles=_points(cluster_below=11),
        access=INTERNAL,
        style=sym.points("#1864ab", "#ffffff", 5.5, label_from=12, letter="E"),
    ),
    Layer(
        "toll_stations",
        "Toll stations",
        "收费站",
        "toll_stations",
        "Point",
        (_p("name"), _p("entrances", "boolean"), _p("exits", "boolean"), DEPARTMENT, *LINREF),
        "Expressway entrances and exits (entries are closed in fog: 只出不进).",
        placement=ROADSIDE,
        minzoom=8,
        tiles=_points(cluster_below=10),
        style=sym.points("#495057", "#ffffff", 5.0, label_from=12, letter="T"),
    ),
    Layer(
        "service_areas",
        "Service areas",
        "服务区",
        "service_areas",
        "Point",
        (_p("name"), DEPARTMENT, *LINREF),
        "Expressway service areas.",
        placement=ROADSIDE,
        minzoom=8,
        style=sym.points("#2b8a3e", "#ffffff", 5.0, label_from=12, letter="S"),
    ),
    Layer(
        "guidance_signs",
        "Guidance signs",
        "诱导屏",
        "guidance_signs",
        "Point",
        (
            _p("name"),
            _p("kind", "string", "variable_message", "fixed_warning", required=True),
            _p("direction"),
            _p("lines", "integer"),
            _p("chars_per_line", "integer"),
            STATUS,
            DEPARTMENT,
            *LINREF,
        ),
        "Variable message signs and fixed warning signs.",
        placement=ON_ROAD,
        minzoom=9,
        tiles=_points(cluster_below=12),
        style=sym.points("#f76707", "#fff4e6", 4.0, label_from=14, letter="G"),
    ),
    Layer(
        "weather_stations",
        "Weather stations",
        "气象监测站",
        "weather_stations",
        "Point",
        (
            _p("name"),
            _p("kind", "string", "visibility", "road_ice", "general", required=True),
            _p("station_code"),
            STATUS,
            _p("install_year", "integer"),
            *DATES,
            _p("alt_m", "number"),
            DEPARTMENT,
            *LINREF,
        ),
        "Visibility, road-ice and general weather stations.",
        placement=OFF_ROAD,
        minzoom=6,
        tiles=_points(cluster_below=10),
        style=sym.points("#0ca678", "#e6fcf5", 5.5, label_from=12, letter="W"),
    ),
    Layer(
        "command_centres",
        "Command centres",
        "指挥中心",
        "command_centres",
        "Point",
        (
            _p("name"),
            _p("level", "string", "province", "city", "county", required=True),
            _p("adcode"),
            DEPARTMENT,
            *LINREF,
        ),
        "City and county traffic-police command centres.",
        placement=OFF_ROAD,
        minzoom=5,
        access=INTERNAL,
        style=sym.points("#c92a2a", "#ffe3e3", 6.0, label_from=9, letter="H"),
    ),
    Layer(
        "admin_seats",
        "Administrative seats",
        "行政中心",
        "admin_seats",
        "Point",
        (
            _p("name", required=True),
            _p("adcode", required=True),
            _p("level", "string", "province", "city", "county", required=True),
            _p("label"),
            *LINREF,
        ),
        "Seats of the province, city and county governments, labelled on the map by the place's common name "
        "(`label`: 长沙 for 长沙市人民政府).",
        placement=OFF_ROAD,
        minzoom=5,
        tiles=TileSpec(filter_column="level", bands=(ZoomBand(0, only=("province", "city")), ZoomBand(8))),
        style=(*sym.points("#212529", "#ffffff", 3.5, label_from=None), *sym.place_names()),
    ),
    Layer(
        "hazard_zones",
        "Hazard zones",
        "隐患路段",
        "hazard_zones",
        "MultiPolygon",
        (
            _p("name"),
            _p("kind", "string", *HAZARD_KINDS, required=True),
            _p("severity", "integer"),
            _p("active", "boolean"),
            _p("route_code"),
            _p("source"),
            _p("source_id"),
            DEPARTMENT,
        ),
        "Fog- and ice-prone sections, dangerous places, black spots, congestion.",
        live=True,
        tiles=TileSpec(bands=(ZoomBand(0, simplify_px=4), ZoomBand(12)), max_age_s=5),
        style=sym.hazard_zones({k: _HAZARD_COLOURS[k] for k in HAZARD_KINDS}),
    ),
    Layer(
        "incidents",
        "Incidents and closures",
        "事件与管制",
        "incidents",
        "Geometry",
        (
            _p("kind", "string", "accident", "works", "weather_closure", "entrance_closure", "control"),
            _p("effect", "string", "closed", "restricted"),
            _p("speed_cap_kmh", "integer"),
            _p("direction", "string", "both", "forward", "backward"),
            _p("direction_label"),
            _p("route_code"),
            _p("from_stake_m", "number"),
            _p("to_stake_m", "number"),
            _p("description"),
            _p("starts_at", "datetime"),
            _p("ends_at", "datetime"),
            _p("ended_at", "datetime"),
        ),
        "Closures and restrictions; the public feed of what is in force is /incidents.",
        live=True,
        importable=False,
        # In force now, as the public feed: a scheduled start or end shows within the 5 s tile lifetime.
        tiles=TileSpec(
            where="t.ended_at IS NULL AND t.starts_at <= now() AND (t.ends_at IS NULL OR t.ends_at > now())",
            max_age_s=5,
        ),
        style=sym.incidents("#e03131", restricted="#f08c00"),
    ),
    Layer(
        "warnings",
        "Early warnings",
        "预警信息",
        "warnings",
        "MultiLineString",
        (
            _p("reason", "string", "fog", "ice", "downgrade_rain", "risk", required=True),
            _p("level", "string", *WARNING_LEVELS, required=True),
            _p("rule_id", required=True),
            _p("hazard_zone_id", "integer"),
            _p("route_code"),
            _p("road_name"),
            _p("direction", "string", "up", "down", "both"),
            _p("direction_zh"),
            _p("direction_en"),
            _p("from_stake_m", "number"),
            _p("to_stake_m", "number"),
            _p("from_stake"),
            _p("to_stake"),
            _p("visibility_m", "number"),
            _p("road_surface_temp_c", "number"),
            _p("precipitation_mm", "number"),
            _p("relative_risk", "number"),
            _p("speed_cap_kmh", "integer"),
            _p("following_distance_m", "number"),
            _p("measure", "string", "advise", "cap", "close", required=True),
            _p("message_zh", required=True),
            _p("message_en", required=True),
            _p("issued_at", "datetime", required=True),
            _p("updated_at", "datetime", required=True),
            _p("expires_at", "datetime", required=True),
            _p("weather_source", "string", "observation", "forecast", "mixed", "declared"),
        ),
        "Early warnings (预警) issued by the fog, icing and long-downgrade-in-rain rules and the risk "
        "threshold (analysis/data/warning_rules.toml); the public feed of those in force is /warnings.",
        live=True,
        importable=False,
        # In force now, as the feed: a warning leaves the tiles within the 5 s tile lifetime of expiring.
        tiles=TileSpec(
            columns=(
                "reason",
                "level",
                "route_code",
                "direction",
                "from_stake",
                "to_stake",
                "speed_cap_kmh",
                "message_zh",
                "expires_at",
            ),
            where="t.expires_at > now()",
            max_age_s=5,
        ),
        style=sym.warnings(WARNING_COLOURS),
    ),
    Layer(
        "segment_terrain",
        "Road grades and altitude",
        "道路纵坡与海拔",
        "segment_terrain",
        "LineString",
        (
            _p("road_class", "string", *ROAD_CLASSES, required=True),
            _p("route_code"),
            _p("structure", "string", "bridge", "tunnel"),
            _p("altitude_min_m", "number"),
            _p("altitude_mean_m", "number"),
            _p("altitude_max_m", "number"),
            _p("grade_pct", "number"),
            _p("max_grade_pct", "number"),
            _p("climb_m", "number"),
            _p("descent_m", "number"),
            _p("samples", "integer", required=True),
        ),
        "Altitude and grade of each road segment sampled along it on the imported DEM (`daoan import raster "
        "--kind dem`); grade_pct is end to end in the segment's direction; tunnels and bridges carry no "
        "values. Derived, replaced when the DEM is imported again or `daoan analysis grades` runs.",
        importable=False,
        minzoom=10,
        tiles=TileSpec(
            columns=("road_class", "route_code", "structure", "altitude_mean_m", "grade_pct", "max_grade_pct"),
            bands=(ZoomBand(0, simplify_px=2), ZoomBand(14)),
        ),
        style=sym.road_grades(("#ffd43b", "#fd7e14", "#c92a2a")),
    ),
    Layer(
        "accidents",
        "Road traffic accidents",
        "道路交通事故",
        "accidents",
        "Point",
        (
            _p("occurred_at", "datetime", required=True),
            _p("deaths", "integer"),
            _p("injuries", "integer"),
            _p("property_damage_cny", "number"),
            _p("severity", "string", *ACCIDENT_SEVERITIES),
            _p("collision_type"),
            _p("vehicle_types"),
            _p("plates"),
            _p("passenger", "boolean"),
            _p("hazmat", "boolean"),
            _p("school_bus", "boolean"),
            _p("truck", "boolean"),
            _p("weather"),
            _p("light"),
            _p("road_surface"),
            _p("cause"),
            _p("place"),
            _p("direction", "string", "up", "down"),
            _p("source"),
            _p("source_id"),
            *LINREF,
        ),
        "Accident records from the police systems (事故发生时间, 经度, 纬度, 死亡人数…), linearly referenced on "
        "import; police data, readable with a token only.",
        placement=OFF_ROAD,
        minzoom=6,
        access=INTERNAL,
        tiles=TileSpec(
            columns=("occurred_at", "severity", "deaths", "injuries", "collision_type", "route_code", "stake"),
            bands=(ZoomBand(0, cluster_px=256), ZoomBand(13)),
        ),
        style=sym.points("#a61e4d", "#fff0f6", 3.0, label_from=23, letter="A"),
    ),
    Layer(
        "violations",
        "Violation counts",
        "交通违法统计",
        "violations",
        "Point",
        (
            _p("day", "date", required=True),
            _p("kind", required=True),
            _p("count", "integer", required=True),
            _p("camera_code"),
            _p("direction", "string", "up", "down"),
            _p("source"),
            _p("source_id"),
            *LINREF,
        ),
        "Violations counted by camera (or place), day and type (超速, 闯红灯, 违法停车…), as the camera "
        "systems export them; readable with a token only.",
        placement=OFF_ROAD,
        minzoom=8,
        access=INTERNAL,
        tiles=_points(cluster_below=12),
        style=sym.points("#5f3dc4", "#f3f0ff", 3.0, label_from=23, letter="V"),
    ),
    Layer(
        "black_spots",
        "Black spots",
        "事故多发点段",
        "black_spots",
        "MultiLineString",
        (
            _p("method", "string", "window", "eb", "nkde", required=True),
            _p("rank", "integer", required=True),
            _p("score", "number", required=True),
            _p("kind", "string", "point", "section", required=True),
            _p("route_code", required=True),
            _p("direction", "string", "up", "down", "both", required=True),
            _p("from_stake"),
            _p("to_stake"),
            _p("from_stake_m", "number", required=True),
            _p("to_stake_m", "number", required=True),
            _p("road_class"),
            _p("accidents", "integer", required=True),
            _p("fatal", "integer", required=True),
            _p("injury", "integer", required=True),
            _p("property", "integer", required=True),
            _p("deaths", "integer", required=True),
            _p("injuries", "integer", required=True),
            _p("predicted", "number"),
            _p("expected", "number"),
            _p("criteria"),
            _p("period_start", "datetime", required=True),
            _p("period_end", "datetime", required=True),
            _p("county_adcode"),
        ),
        "Black spots (事故多发点段) stored by `daoan analysis blackspots --store`, per method and period "
        "(the same as /analysis/blackspots); hazard zones of kind blackspot are derived from them. Internal.",
        importable=False,
        access=INTERNAL,
        tiles=TileSpec(bands=(ZoomBand(0, simplify_px=4), ZoomBand(12))),
        style=(
            Draw(
                "black-spots",
                "line",
                sym.ON_ROADS,
                {"line-color": "#c2255c", "line-width": _BLACK_SPOT_WIDTH, "line-opacity": 0.85},
                {"line-cap": "round"},
            ),
        ),  # fmt: skip
    ),
    Layer(
        "coverage_gaps",
        "Camera coverage gaps",
        "视频监控覆盖缺口",
        "coverage_gaps",
        "MultiLineString",
        (
            _p("kind", "string", "camera", required=True),
            _p("year", "integer", required=True),
            _p("newest_year", "boolean", required=True),
            _p("route_code", required=True),
            _p("roads", "string", "expressway", "national_provincial", required=True),
            _p("direction", "string", "up", "down", "both", required=True),
            _p("from_stake", required=True),
            _p("to_stake", required=True),
            _p("from_stake_m", "number", required=True),
            _p("to_stake_m", "number", required=True),
            _p("length_m", "number", required=True),
            _p("spacing_m", "number", required=True),
            _p("cameras_needed", "integer", required=True),
            _p("county_adcode"),
            _p("city_adcode"),
        ),
        "Stretches longer than the plan's camera spacing without a camera, per standard year, route and "
        "carriageway (the same gaps as /coverage/gaps?kind=camera); derived, recomputed when cameras, roads "
        "or standards change.",
        importable=False,
        minzoom=5,
        # Few, long lines: every gap from z5, simplified until the roads are drawn in full detail.
        tiles=TileSpec(bands=(ZoomBand(0, simplify_px=8), ZoomBand(8, simplify_px=4), ZoomBand(12))),
        style=sym.coverage_gaps("#f03e3e"),
    ),
)

LAYERS: MappingProxyType[str, Layer] = MappingProxyType({layer.id: layer for layer in _LAYERS})


def get_layer(layer_id: str) -> Layer:
    """The layer called `layer_id`; NotFound naming the known layers otherwise."""
    try:
        return LAYERS[layer_id]
    except KeyError:
        raise NotFound(
            f"unknown layer {layer_id!r}; known layers: {', '.join(LAYERS)}", parameter="collectionId"
        ) from None


def importable_layers() -> list[str]:
    """Ids of the layers `daoan import facilities --layer` accepts."""
    return [layer.id for layer in _LAYERS if layer.importable]


# Imported registries without a position (no layer): the 两客一危一校 vehicles and their enterprises.
REGISTRY_TABLES = ("key_vehicles", "enterprises")


def _data_tables() -> tuple[str, ...]:
    """The layer tables, every table whose rows hang on one of them (by foreign key), and the record of
    imports: children before parents, as the models declare them."""
    data = {layer.table for layer in _LAYERS} | {ImportRun.__tablename__} | set(REGISTRY_TABLES)
    for table in Base.metadata.sorted_tables:  # parents first: a child sees its parent decided
        if any(fk.column.table.name in data for fk in table.foreign_keys):
            data.add(table.name)
    return tuple(t.name for t in reversed(Base.metadata.sorted_tables) if t.name in data)


# Every table holding data (not bookkeeping: versions, standards, derived state): what the demo
# replaces and what tests empty between cases.
DATA_TABLES = _data_tables()
