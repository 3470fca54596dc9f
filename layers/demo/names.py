"""Route plans and Chinese names of the synthetic network (codes follow the real Hunan ones)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

Waypoint = str | tuple[float, float]  # a seat by area name, or a lon/lat (border crossings)


@dataclass(frozen=True)
class RoutePlan:
    """A route through seats: its code, name and, for stakes, the stake at one anchor seat."""

    code: str
    name: str
    waypoints: tuple[Waypoint, ...]
    anchor: tuple[str, float] | None = None  # (seat name, stake_m nearest that seat)


OSM = "@osm"  # waypoint: the route's OpenStreetMap line (corridors.py) in file order
OSM_REVERSED = "@osm-"  # … against file order

# Expressways on their real corridors, each listed in the direction of rising stakes: the OSM line where
# the shipped file has the route, drawn through the real control cities where it does not (README,
# "Data and licences"). G4's stakes are anchored so that the fog-prone K1617–K1638 section lies just
# north of 衡阳 and G60's K1330–K1339 at 邵阳 (domain.md).
EXPRESSWAYS: tuple[RoutePlan, ...] = (
    RoutePlan(
        "G4",
        "京港澳高速",
        (
            (113.62, 29.78),
            "临湘市",
            "岳阳市",
            "汨罗市",
            "长沙县",
            "株洲市",
            "衡山县",
            "衡阳市",
            "耒阳市",
            "郴州市",
            "宜章县",
            (112.98, 25.05),
        ),
        ("衡阳市", 1_641_000.0),
    ),
    RoutePlan(
        "G60",
        "沪昆高速",
        ((113.95, 27.62), "醴陵市", "株洲市", "湘潭市", "湘乡市", OSM),
        ("邵阳市", 1_335_000.0),
    ),
    RoutePlan("G55", "二广高速", (OSM_REVERSED,), ("常德市", 1_460_000.0)),
    RoutePlan(
        "G56",
        "杭瑞高速",
        (
            (113.62, 29.25),
            "岳阳市",
            "华容县",
            "安乡县",
            "常德市",
            "桃源县",
            "沅陵县",
            "泸溪县",
            "吉首市",
            "凤凰县",
            (109.30, 27.88),
        ),
        ("岳阳市", 1_110_000.0),
    ),
    RoutePlan(
        "G65",
        "包茂高速",
        (
            (109.30, 28.72),
            "花垣县",
            "吉首市",
            "泸溪县",
            "怀化市",
            "会同县",
            "靖州苗族侗族自治县",
            "通道侗族自治县",
            (109.62, 25.92),
        ),
        ("吉首市", 1_780_000.0),
    ),
    RoutePlan(
        "G72",
        "泉南高速",
        ((113.95, 26.88), "茶陵县", "攸县", "衡东县", "衡阳市", "祁东县", OSM_REVERSED),
        ("衡阳市", 1_030_000.0),
    ),
    RoutePlan(
        "G76",
        "厦蓉高速",
        ((113.95, 25.62), "汝城县", "郴州市", "桂阳县", "嘉禾县", "宁远县", "道县", (111.30, 25.45), OSM_REVERSED),
    ),
    RoutePlan("G5513", "长张高速", (OSM_REVERSED,)),
    RoutePlan("G5515", "张南高速", (OSM_REVERSED,)),
    RoutePlan("G0401", "长沙绕城高速", (OSM,)),
    RoutePlan("G0421", "许广高速", (OSM,), ("长沙县", 1_130_000.0)),
    RoutePlan("G0422", "武深高速", ((113.72, 29.10), "平江县", "浏阳市", "醴陵市", "茶陵县", OSM_REVERSED)),
    RoutePlan("G6021", "杭长高速", (OSM_REVERSED, "长沙县")),
    RoutePlan(
        "G59",
        "呼北高速",
        (OSM_REVERSED, "张家界市", "沅陵县", "辰溪县", "溆浦县", "洞口县", "武冈市", "新宁县", (110.90, 26.08)),
        ("张家界市", 1_650_000.0),
    ),
    RoutePlan("S10", "张花高速", (OSM,)),
    RoutePlan("S12", "安慈高速", (OSM,)),
    RoutePlan("S20", "长浏高速", (OSM,)),
    RoutePlan("S21", "长株高速", (OSM,)),
    RoutePlan("S50", "长芷高速", (OSM,)),
    RoutePlan("S52", "醴易高速", (OSM,)),
    RoutePlan("S70", "娄怀高速", (OSM_REVERSED, "溆浦县", "怀化市")),
    RoutePlan("S71", "华常高速", ("华容县", "南县", "益阳市", OSM)),
    RoutePlan("S80", "衡邵高速", ("衡阳市", "邵阳市")),
    # Real corridors whose provincial code is the demo's own (data README).
    RoutePlan("S61", "衡炎高速", ("衡阳市", "衡东县", "安仁县", "炎陵县")),
    RoutePlan("S86", "邵永高速", ("邵阳市", "邵阳县", "东安县", "永州市")),
    RoutePlan("S15", "龙永高速", ("龙山县", "永顺县")),
)

# National roads (G + 3 digits) through the seats they serve in reality, routed on the local network.
_NATIONAL_PLANS: tuple[RoutePlan, ...] = (
    RoutePlan("G106", "G106国道", ("平江县", "浏阳市", "醴陵市", "攸县", "茶陵县", "炎陵县", "桂东县", "汝城县")),
    RoutePlan(
        "G107",
        "G107国道",
        ("临湘市", "岳阳市", "汨罗市", "长沙市", "湘潭市", "衡山县", "衡阳市", "耒阳市", "永兴县", "郴州市", "宜章县"),
    ),
    RoutePlan(
        "G207",
        "G207国道",
        (
            "石门县",
            "临澧县",
            "常德市",
            "汉寿县",
            "益阳市",
            "宁乡市",
            "湘乡市",
            "双峰县",
            "祁东县",
            "祁阳市",
            "永州市",
            "双牌县",
            "道县",
            "江华瑶族自治县",
        ),
    ),
    RoutePlan(
        "G209",
        "G209国道",
        (
            "龙山县",
            "永顺县",
            "古丈县",
            "吉首市",
            "凤凰县",
            "麻阳苗族自治县",
            "怀化市",
            "洪江市",
            "会同县",
            "靖州苗族侗族自治县",
            "通道侗族自治县",
        ),
    ),
    RoutePlan("G234", "G234国道", ("津市市", "安乡县", "南县", "沅江市", "益阳市")),
    RoutePlan(
        "G319", "G319国道", ("长沙市", "宁乡市", "益阳市", "常德市", "桃源县", "沅陵县", "泸溪县", "吉首市", "花垣县")
    ),
    RoutePlan(
        "G320",
        "G320国道",
        (
            "醴陵市",
            "株洲市",
            "湘潭市",
            "湘乡市",
            "娄底市",
            "邵东市",
            "邵阳市",
            "隆回县",
            "洞口县",
            "怀化市",
            "芷江侗族自治县",
            "新晃侗族自治县",
        ),
    ),
    RoutePlan("G322", "G322国道", ("衡阳市", "祁东县", "祁阳市", "永州市", "东安县")),
)

# Stake at each national road's first seat in Hunan: the routes start far outside the province (G322 starts
# at 衡阳, K0 there is real). Estimates from the distance to the route's origin (data README).
NATIONAL_ENTRY_STAKES: dict[str, tuple[str, float]] = {
    "G106": ("平江县", 1_570_000.0),
    "G107": ("临湘市", 1_400_000.0),
    "G207": ("石门县", 2_680_000.0),
    "G209": ("龙山县", 2_040_000.0),
    "G234": ("津市市", 1_950_000.0),
    "G319": ("长沙市", 1_130_000.0),
    "G320": ("醴陵市", 1_010_000.0),
}
NATIONAL_ROADS: tuple[RoutePlan, ...] = tuple(
    replace(p, anchor=NATIONAL_ENTRY_STAKES.get(p.code)) for p in _NATIONAL_PLANS
)

# Real seats of the city governments (lon, lat); county seats come from the CMA stations named after them.
CITY_SEATS: dict[str, tuple[float, float]] = {
    "430100": (112.938, 28.228),
    "430200": (113.134, 27.828),
    "430300": (112.944, 27.830),
    "430400": (112.572, 26.894),
    "430500": (111.468, 27.239),
    "430600": (113.129, 29.357),
    "430700": (111.699, 29.032),
    "430800": (110.479, 29.117),
    "430900": (112.355, 28.554),
    "431000": (113.015, 25.770),
    "431100": (111.613, 26.420),
    "431200": (109.998, 27.555),
    "431300": (111.994, 27.700),
    "433100": (109.739, 28.312),
}
PROVINCE_SEAT = (112.983, 28.113)
KNOWN_COUNTY_SEATS: dict[str, tuple[float, float]] = {"430121": (113.080, 28.245)}  # 长沙县 (星沙)

_SUFFIXES = ("土家族苗族自治州", "苗族侗族自治县", "侗族自治县", "苗族自治县", "瑶族自治县", "自治县", "县", "市", "区")


def short_name(name: str) -> str:
    """'城步' for '城步苗族自治县', '长沙' for '长沙市'; names of two characters stay whole."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


_TOWN_FIRST = (
    "青石白黄金新长高大小龙凤马杨柳桃梅花荷莲枫松竹茶洪双三五九仙观官望太永兴福安宁平和泉清罗云雷樟桂枣杉柏"
    "东西南北中上下古蓝红横板麻柘杜汤沙乌铜铁文武朱周谢唐"
)
_TOWN_SECOND = "山岭坪塘桥湾冲溪江河口洲港田坡市铺湖渡头岩峰林坝垅寺阳源庄"
_STREET_STEMS = (
    "人民",
    "解放",
    "建设",
    "五一",
    "中山",
    "新华",
    "文化",
    "劳动",
    "光明",
    "和平",
    "胜利",
    "东风",
    "朝阳",
    "迎宾",
    "书院",
    "体育",
    "学院",
    "长青",
    "金星",
    "银杏",
    "芙蓉",
    "八一",
    "车站",
    "桂花",
    "青年",
    "工业",
    "滨江",
    "环城",
    "南湖",
    "育才",
    "红旗",
    "建新",
    "友谊",
    "园林",
    "高新",
    "兴业",
    "新民",
    "民主",
    "韶山",
    "雨花",
)
_STREET_SUFFIX = ("路", "路", "街", "大道")


def town_names(rng: np.random.Generator, n: int) -> list[str]:
    """`n` distinct synthetic township names such as '石塘镇' or '枫坪乡'."""
    pairs = [a + b for a in _TOWN_FIRST for b in _TOWN_SECOND]
    order = rng.permutation(len(pairs))
    names = []
    for i in range(n):
        stem = pairs[order[i % len(pairs)]]
        if i >= len(pairs):
            stem = stem + "新"
        names.append(stem + ("乡" if rng.random() < 0.25 else "镇"))
    return names


def street_names(rng: np.random.Generator, n: int) -> list[str]:
    """`n` street names such as '人民路' or '芙蓉大道' (repeats allowed, as between towns)."""
    stems = rng.integers(0, len(_STREET_STEMS), n)
    suffixes = rng.integers(0, len(_STREET_SUFFIX), n)
    return [_STREET_STEMS[s] + _STREET_SUFFIX[k] for s, k in zip(stems, suffixes, strict=True)]


class PlaceNamer:
    """Names for points along roads from the nearest town or seat ('石塘', '长沙东'), unique when asked."""

    def __init__(self, xy: np.ndarray, names: list[str], is_seat: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        self.xy = xy
        self.names = names
        self.is_seat = is_seat
        self.tree = cKDTree(xy)
        self.used: set[str] = set()

    def base(self, point: np.ndarray) -> str:
        """The nearest place's short name; a seat more than 3 km away gets a bearing ('长沙东')."""
        d, i = self.tree.query(point)
        name = self.names[int(i)]
        if self.is_seat[int(i)] and d > 3000:
            name += _bearing(point - self.xy[int(i)])
        return name

    def unique(self, point: np.ndarray) -> str:
        """Like `base`, made unique among the names handed out so far."""
        name = self.base(point)
        if name in self.used:
            _, idx = self.tree.query(point, k=min(4, len(self.names)))
            for i in np.atleast_1d(idx)[1:]:
                other = self.names[int(i)]
                if other not in self.used:
                    name = other
                    break
            else:
                stem, n = name, 2
                while name in self.used:
                    name = stem + (_NUMERALS[n] if n < len(_NUMERALS) else str(n))
                    n += 1
        self.used.add(name)
        return name


_NUMERALS = "〇一二三四五六七八九十"


def _bearing(v: np.ndarray) -> str:
    angle = np.degrees(np.arctan2(v[1], v[0])) % 360
    return "东北西南"[int(((angle + 45) % 360) // 90)]


def traffic_police_unit(name: str, adcode: str, areas_by_code: dict[str, str]) -> str:
    """The traffic-police unit of an area as Hunan public security names it: the province's 总队
    (湖南省公安厅交通警察总队), a city's 支队 (衡阳市公安局交通警察支队), a county's or county-level
    city's own 大队 under its own public security bureau (衡山县公安局交通警察大队, 浏阳市公安局交通警察大队),
    and a city district's 大队 within the city's 支队 (长沙市公安局交通警察支队天心区大队: a district has
    no traffic-police unit of its own bureau). `areas_by_code`: area names by adcode (for a district's city)."""
    if adcode.endswith("0000"):
        return f"{name}公安厅交通警察总队"
    if adcode.endswith("00"):
        return f"{name}公安局交通警察支队"
    if name.endswith("区"):
        city = areas_by_code.get(adcode[:4] + "00", "")
        return f"{city}公安局交通警察支队{name}大队"
    return f"{name}公安局交通警察大队"


def command_centre_name(name: str, adcode: str, areas_by_code: dict[str, str]) -> str:
    """A command centre's name: the unit's 指挥中心 (湖南省公安厅交通警察总队指挥中心,
    衡阳市公安局交通警察支队指挥中心, 衡山县公安局交通警察大队指挥中心); a district brigade's is its
    指挥室 (长沙市公安局交通警察支队天心区大队指挥室)."""
    unit = traffic_police_unit(name, adcode, areas_by_code)
    return f"{unit}指挥室" if name.endswith("区") and not adcode.endswith("00") else f"{unit}指挥中心"
