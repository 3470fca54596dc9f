"""Synthetic accident records, key vehicles and enterprises of the demo, drawn from a known risk model.

Every number here is synthetic. The accidents of each road segment over the demo period are Poisson
with a known mean (accidents per carriageway-km-year `CLASS_RATE`, times `ZONE_FACTOR` for each kind
of demo hazard zone lying on the segment's route and stakes):
    λ_e = length_km(e) · years · CLASS_RATE[class(e)] · Π_k ZONE_FACTOR[k]^flag_k(e)
and each demo 'blackspot' place adds a cluster of Poisson(`CLUSTER_MEAN`) accidents within ±100 m of
its stake, so the black-spot methods have real clusters to find. Times, severity, collision type,
weather, light and vehicles are drawn per accident (weather tilted towards fog in fog zones, snow in ice
zones). Passenger, hazmat and school-bus accidents carry a plate of the synthetic 两客一危一校 registry.
Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely

from gis.stake import format_stake
from layers.demo.generate import DemoWorld
from layers.demo.hazards import Hazard

BEIJING = timezone(timedelta(hours=8))
PERIOD_START = datetime(2023, 1, 1, tzinfo=BEIJING)
PERIOD_YEARS = 3
# Accidents per carriageway-km and year by road class (synthetic; only their ratios matter).
CLASS_RATE = {
    "expressway": 0.24,
    "national": 0.28,
    "provincial": 0.18,
    "county": 0.06,
    "township": 0.016,
    "urban": 0.12,
    "link": 0.14,
}
# Rate multipliers of the demo's hazard zones on a segment (the generating coefficients are their logs).
ZONE_FACTOR = {"sharp_curve": 2.0, "steep_grade": 1.8, "fog": 1.5, "ice": 1.4, "landslide": 1.3}
CLUSTER_MEAN = 48.0  # accidents over the period at each demo blackspot place
ZONE_PAD_M = 150.0  # a zone given as one stake covers ±this along its route
CLUSTER_M = 100.0
# P(fatal), P(injury | not fatal) by road class.
P_FATAL = {"expressway": 0.10, "national": 0.09, "provincial": 0.07, "county": 0.06, "township": 0.05,
           "urban": 0.025, "link": 0.05}  # fmt: skip
P_INJURY = 0.45
COLLISIONS = ("追尾", "侧面相撞", "正面相撞", "刮擦", "碰撞行人", "碰撞非机动车", "单车撞固定物", "翻车")
COLLISION_P = {
    "expressway": (0.45, 0.15, 0.01, 0.17, 0.01, 0.0, 0.15, 0.06),
    "other": (0.18, 0.22, 0.10, 0.15, 0.12, 0.13, 0.06, 0.04),
}
WEATHER = ("晴", "阴", "雨", "雾", "雪")
WEATHER_P = (0.55, 0.18, 0.21, 0.04, 0.02)
VEHICLES = ("小型客车", "重型货车", "中型货车", "大型客车", "危险化学品运输车", "摩托车", "电动自行车", "校车")
VEHICLE_P = (0.42, 0.16, 0.08, 0.04, 0.015, 0.16, 0.12, 0.005)
CAUSES = ("未按规定让行", "超速行驶", "未保持安全距离", "疲劳驾驶", "酒后驾驶", "违法变更车道", "违法超车", "操作不当")
CITY_LETTER = {"4301": "A", "4302": "B", "4303": "C", "4304": "D", "4305": "E", "4306": "F", "4307": "J",
               "4308": "G", "4309": "H", "4310": "L", "4311": "M", "4312": "N", "4313": "K", "4331": "U"}  # fmt: skip
ENTERPRISE_KINDS = ("passenger", "freight", "hazmat", "school")
VEHICLE_KIND_OF = {"passenger": ("tour_coach", "scheduled_coach"), "hazmat": ("hazmat",), "school": ("school_bus",)}


@dataclass
class Registry:
    """The synthetic 两客一危一校 registry: enterprises and vehicles as rows for COPY."""

    enterprises: list[tuple]
    vehicles: list[tuple]
    plates_by_kind: dict[str, list[str]]


def _credit_code(rng: np.random.Generator, county: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    tail = "".join(alphabet[i] for i in rng.integers(0, len(alphabet), 10))
    return f"91{county}{tail}"


def registry(world: DemoWorld, rng: np.random.Generator) -> Registry:
    """Enterprises (a few per city) and their key vehicles."""
    cities = sorted({str(c)[:4] for c in world.network.county if c and str(c)[:4] in CITY_LETTER})
    counties = sorted({str(c) for c in world.network.county if c})
    enterprises: list[tuple] = []
    vehicles: list[tuple] = []
    plates: dict[str, list[str]] = {"passenger": [], "hazmat": [], "school_bus": []}
    seen: set[str] = set()
    for city in cities:
        in_city = [c for c in counties if c.startswith(city)] or [city + "02"]
        for kind in ENTERPRISE_KINDS:
            for k in range(int(rng.integers(2, 5))):
                county = in_city[int(rng.integers(len(in_city)))]
                code = _credit_code(rng, county)
                word = {"passenger": "客运", "freight": "物流", "hazmat": "危货运输", "school": "校车服务"}[kind]
                enterprises.append((code, f"{county}{word}有限公司{k + 1}", kind, county, "active"))
                if kind == "freight":
                    continue
                for _ in range(int(rng.integers(10, 40))):
                    plate = f"湘{CITY_LETTER[city]}{int(rng.integers(0, 100000)):05d}"
                    if plate in seen:
                        continue
                    seen.add(plate)
                    vkind = VEHICLE_KIND_OF[kind][int(rng.integers(len(VEHICLE_KIND_OF[kind])))]
                    status = "active" if rng.random() < 0.93 else "suspended"
                    vehicles.append((plate, vkind, code, status))
                    plates[
                        "school_bus" if vkind == "school_bus" else "hazmat" if vkind == "hazmat" else "passenger"
                    ].append(plate)
    return Registry(enterprises, vehicles, plates)


def _zone_flags(world: DemoWorld, hazards: list[Hazard]) -> tuple[dict[str, np.ndarray], list[tuple[int, float]]]:
    """Per zone kind, which segments lie under a zone of it (by route and stakes); and the (segment,
    stake) of each blackspot zone."""
    net = world.network
    n = len(net.src)
    flags = {k: np.zeros(n, dtype=bool) for k in (*ZONE_FACTOR, "blackspot")}
    lo = np.fmin(net.start_stake_m, net.end_stake_m)
    hi = np.fmax(net.start_stake_m, net.end_stake_m)
    codes = np.array([c or "" for c in net.route_code.tolist()], dtype=object)
    order = np.argsort(codes, kind="stable")
    uniq, first = np.unique(codes[order], return_index=True)
    bounds = dict(zip(uniq.tolist(), zip(first.tolist(), [*first[1:].tolist(), len(order)], strict=True), strict=True))
    by_route = {code: order[a:b] for code, (a, b) in bounds.items() if code}
    spots: list[tuple[int, float]] = []
    for hz in hazards:
        if hz.kind not in flags or not hz.route_code or hz.from_m is None or hz.to_m is None:
            continue
        segs = by_route.get(hz.route_code)
        if segs is None or not len(segs):
            continue
        a, b = min(hz.from_m, hz.to_m) - ZONE_PAD_M, max(hz.from_m, hz.to_m) + ZONE_PAD_M
        under = segs[(lo[segs] < b) & (hi[segs] > a)]
        flags[hz.kind][under] = True
        if hz.kind == "blackspot":
            at = under[(lo[under] <= hz.from_m) & (hi[under] >= hz.from_m)]
            if len(at):
                spots.append((int(at[0]), float(hz.from_m)))
    return flags, spots


def accidents(world: DemoWorld, hazards: list[Hazard], reg: Registry, rng: np.random.Generator) -> dict[str, list]:
    """The synthetic accident records as columns (see the module doc for the model)."""
    net = world.network
    n = len(net.src)
    flags, spots = _zone_flags(world, hazards)
    classes, class_of = np.unique(net.road_class.astype(str), return_inverse=True)
    rate = np.array([CLASS_RATE.get(str(c), 0.005) for c in classes])[class_of]
    factor = np.ones(n)
    for kind, factor_k in ZONE_FACTOR.items():
        factor[flags[kind]] *= factor_k
    counts = rng.poisson(net.length_m / 1000.0 * PERIOD_YEARS * rate * factor)
    seg = np.repeat(np.arange(n), counts)
    frac = rng.random(len(seg))
    # a cluster at each blackspot place: on the segment under its stake, within ±CLUSTER_M
    for e, stake in spots:
        k = int(rng.poisson(CLUSTER_MEAN))
        a, b = float(net.start_stake_m[e]), float(net.end_stake_m[e])
        if k == 0 or not (np.isfinite(a) and np.isfinite(b)) or a == b:
            continue
        f = np.clip((stake + rng.uniform(-CLUSTER_M, CLUSTER_M, k) - a) / (b - a), 0.0, 1.0)
        seg = np.concatenate([seg, np.full(k, e)])
        frac = np.concatenate([frac, f])
    m = len(seg)
    order = np.lexsort((frac, seg))
    seg, frac = seg[order], frac[order]
    # place the points along the segments' lon/lat lines
    uniq, inverse = np.unique(seg, return_inverse=True)
    starts, ends = net.offsets[uniq], net.offsets[uniq + 1]
    idx = (
        np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)]) if len(uniq) else np.array([], int)
    )
    lines = shapely.linestrings(net.coords_ll[idx], indices=np.repeat(np.arange(len(uniq)), ends - starts))
    points = shapely.line_interpolate_point(lines[inverse], frac, normalized=True)
    road_class = net.road_class[seg].astype(str)
    expressway = road_class == "expressway"
    days = rng.integers(0, int(PERIOD_YEARS * 365.25), m)
    hour_p = np.array(
        [2, 1.5, 1.2, 1, 1.2, 2, 4, 7, 7, 5, 4.5, 4.5, 4.5, 4.5, 4.8, 5.2, 6, 7.5, 7.5, 6, 5, 4, 3.2, 2.5]
    )
    hours = rng.choice(24, m, p=hour_p / hour_p.sum())
    minutes = rng.integers(0, 60, m)
    p_fatal = np.array([P_FATAL.get(c, 0.05) for c in road_class])
    u = rng.random(m)
    fatal = u < p_fatal
    injury = ~fatal & (rng.random(m) < P_INJURY)
    deaths = np.where(fatal, 1 + rng.binomial(3, 0.12, m) + (rng.random(m) < 0.02) * rng.integers(0, 6, m), 0)
    injuries = np.where(fatal | injury, rng.poisson(1.2, m) + injury, 0)
    damage = np.round(rng.lognormal(8.5, 1.0, m), -1)
    coll_e = rng.choice(len(COLLISIONS), m, p=COLLISION_P["expressway"])
    coll_o = rng.choice(len(COLLISIONS), m, p=COLLISION_P["other"])
    collision = np.array(COLLISIONS, dtype=object)[np.where(expressway, coll_e, coll_o)]
    weather = np.array(WEATHER, dtype=object)[rng.choice(len(WEATHER), m, p=WEATHER_P)]
    weather[flags["fog"][seg] & (rng.random(m) < 0.25)] = "雾"
    weather[flags["ice"][seg] & (rng.random(m) < 0.15)] = "雪"
    night = (hours < 6) | (hours >= 19)
    lit = rng.random(m) < np.where(road_class == "urban", 0.85, 0.3)
    light = np.where(~night, "白天", np.where(lit, "夜间有路灯照明", "夜间无路灯照明")).astype(object)
    surface = np.where(weather == "雨", "潮湿", np.where(weather == "雪", "冰雪", "干燥")).astype(object)
    vehicle = rng.choice(len(VEHICLES), m, p=np.array(VEHICLE_P) / sum(VEHICLE_P))
    second = rng.choice(len(VEHICLES), m, p=np.array(VEHICLE_P) / sum(VEHICLE_P))
    names = np.array(VEHICLES, dtype=object)
    vehicle_types = np.where(
        collision == "单车撞固定物",
        names[vehicle],
        np.char.add(np.char.add(names[vehicle].astype(str), ","), names[second].astype(str)),
    ).astype(object)
    passenger = (vehicle == 3) | (second == 3)
    hazmat = (vehicle == 4) | (second == 4)
    school = (vehicle == 7) | (second == 7)
    truck = np.isin(vehicle, (1, 2, 4)) | np.isin(second, (1, 2, 4))
    plates: list[str | None] = [None] * m
    for flag, kind in ((passenger, "passenger"), (hazmat, "hazmat"), (school, "school_bus")):
        pool = reg.plates_by_kind.get(kind) or []
        if pool:
            for i in np.flatnonzero(flag):
                if plates[i] is None:
                    plates[i] = pool[int(rng.integers(len(pool)))]
    cause = np.array(CAUSES, dtype=object)[rng.integers(0, len(CAUSES), m)]
    sa_m, sb_m = net.start_stake_m[seg], net.end_stake_m[seg]
    stake = sa_m + frac * (sb_m - sa_m)
    has_stake = np.isfinite(stake)
    up = np.where(net.oneway[seg], sb_m >= sa_m, rng.random(m) < 0.5)
    direction = np.where(up, "up", "down").astype(object)
    direction[~has_stake] = None
    occurred = [
        (PERIOD_START + timedelta(days=int(d), hours=int(h), minutes=int(mi))).isoformat()
        for d, h, mi in zip(days, hours, minutes, strict=True)
    ]
    lonlat = shapely.get_coordinates(points)
    return {
        "occurred_at": occurred,
        "deaths": deaths.tolist(),
        "injuries": injuries.tolist(),
        "property_damage_cny": damage.tolist(),
        "collision_type": collision.tolist(),
        "vehicle_types": vehicle_types.tolist(),
        "plates": plates,
        "passenger": passenger.tolist(),
        "hazmat": hazmat.tolist(),
        "school_bus": school.tolist(),
        "truck": truck.tolist(),
        "weather": weather.tolist(),
        "light": light.tolist(),
        "road_surface": surface.tolist(),
        "cause": cause.tolist(),
        "direction": direction.tolist(),
        "segment_id": (seg + 1).tolist(),
        "route_code": net.route_code[seg].tolist(),
        "stake_m": [float(s) if ok else None for s, ok in zip(stake, has_stake, strict=True)],
        "stake": [format_stake(float(s)) if ok else None for s, ok in zip(stake, has_stake, strict=True)],
        "offset_m": [0.0] * m,
        "road_distance_m": [0.0] * m,
        "county_adcode": net.county[seg].tolist(),
        "lon": lonlat[:, 0],
        "lat": lonlat[:, 1],
    }


ACCIDENT_COLUMNS = (
    "occurred_at",
    "deaths",
    "injuries",
    "property_damage_cny",
    "collision_type",
    "vehicle_types",
    "plates",
    "passenger",
    "hazmat",
    "school_bus",
    "truck",
    "weather",
    "light",
    "road_surface",
    "cause",
    "direction",
    "segment_id",
    "route_code",
    "stake_m",
    "stake",
    "offset_m",
    "road_distance_m",
    "county_adcode",
)


def accident_rows(cols: dict[str, list], source: str) -> tuple[tuple[str, ...], object]:
    """COPY columns and rows of the accidents: record ids SG00000001…, keyed as an import keys them."""
    from layers.demo.geo import ewkb_hex

    n = len(cols["occurred_at"])
    ids = [f"SG{i:08d}" for i in range(1, n + 1)]
    geoms = ewkb_hex(shapely.points(np.asarray(cols["lon"], float), np.asarray(cols["lat"], float)))
    columns = (*ACCIDENT_COLUMNS, "source", "source_id", "natural_key", "geom")
    rows = zip(
        *[cols[c] for c in ACCIDENT_COLUMNS],
        [source] * n,
        ids,
        [f"src:{source}:{i}" for i in ids],
        geoms,
        strict=True,
    )
    return columns, rows
