"""Synthetic accident records, key vehicles and enterprises of the demo, drawn from a known risk model.

Every number here is synthetic. The accidents of road segment e in local hour band b under weather
class w are Poisson with mean
    λ_ebw = km(e) · hours_s(e)(b, w) / 8766 · CLASS_RATE[class(e)] · Π_k ZONE_FACTOR[k]^flag_k(e)
            · CURVE_FACTOR · GRADE_FACTOR · ALTITUDE_FACTOR (by the segment's bands) · HOUR_FACTOR[b]
            · WEATHER_FACTOR[w]
where s(e) is the active weather station nearest the segment's midpoint and hours_s(b, w) the hours of
its synthetic weather history (layers/demo/weather.py) in band b with weather w over the period; the
bands are analysis/risk_terms's (curvature from the line, grade and altitude from the synthetic DEM as
segment_terrain holds them). Each accident happens in an hour drawn uniformly from the station's hours
of its band and weather. Each demo 'blackspot' place adds a cluster of Poisson(`CLUSTER_MEAN`)
accidents within ±100 m of its stake at hours drawn from the station's whole history, so the
black-spot methods have real clusters to find. Severity, collision type, light and vehicles are drawn
per accident; the recorded weather and road surface follow the weather class in force. Passenger,
hazmat and school-bus accidents carry a plate of the synthetic 两客一危一校 registry. Deterministic for
a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely

from analysis import risk_terms as rt
from analysis.weather_history import History
from gis.stake import format_stake
from layers.demo.generate import DemoWorld
from layers.demo.hazards import Hazard
from layers.demo.weather import DemoWeather

BEIJING = timezone(timedelta(hours=8))
PERIOD_START = datetime(2023, 1, 1, tzinfo=BEIJING)
PERIOD_YEARS = 3
PERIOD_DAYS = (PERIOD_START.replace(year=PERIOD_START.year + PERIOD_YEARS) - PERIOD_START).days
# Accidents per carriageway-km and year by road class (synthetic; only their ratios matter).
CLASS_RATE = {
    "expressway": 0.24,
    "national": 0.28,
    "provincial": 0.18,
    "county": 0.06,
    "township": 0.016,
    "village": 0.016,
    "urban": 0.12,
    "link": 0.14,
}
# Rate multipliers (the generating coefficients are their logs; analysis/risk_terms names the bands):
# the demo's hazard zones on a segment, its curvature, grade and altitude bands, the hour band and the
# weather class in force.
ZONE_FACTOR = {"sharp_curve": 2.0, "steep_grade": 1.8, "fog": 1.5, "ice": 1.4, "landslide": 1.3}
CURVE_FACTOR = {"winding": 1.3, "sharp": 1.7}
GRADE_FACTOR = {"moderate": 1.25, "steep": 1.6}
ALTITUDE_FACTOR = {"upland": 1.15, "high": 1.35}
HOUR_FACTOR = {"night": 0.7, "morning_peak": 1.3, "day": 1.0, "evening_peak": 1.45, "late_evening": 0.9}
WEATHER_FACTOR = {"clear": 1.0, "rain": 1.6, "fog": 2.2, "ice": 2.8}
CLUSTER_MEAN = 48.0  # accidents over the period at each demo blackspot place
ZONE_PAD_M = 150.0  # a zone given as one stake covers ±this along its route
CLUSTER_M = 100.0
# P(fatal), P(injury | not fatal) by road class.
P_FATAL = {"expressway": 0.10, "national": 0.09, "provincial": 0.07, "county": 0.06, "township": 0.05,
           "village": 0.05, "urban": 0.025, "link": 0.05}  # fmt: skip
P_INJURY = 0.45
COLLISIONS = ("追尾", "侧面相撞", "正面相撞", "刮擦", "碰撞行人", "碰撞非机动车", "单车撞固定物", "翻车")
COLLISION_P = {
    "expressway": (0.45, 0.15, 0.01, 0.17, 0.01, 0.0, 0.15, 0.06),
    "other": (0.18, 0.22, 0.10, 0.15, 0.12, 0.13, 0.06, 0.04),
}
RECORDED_WEATHER = ("晴", "雨", "雾", "雪")  # by weather class (analysis/risk_terms.WEATHER_CLASSES)
OVERCAST_P = 0.25  # a clear-weather accident recorded as 阴
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


def segment_rates(
    world: DemoWorld, flags: dict[str, np.ndarray], grade_pct: np.ndarray, altitude_m: np.ndarray
) -> np.ndarray:
    """Each segment's accidents per km-year in the day band and clear weather: its class rate times the
    factors of its zones and of its curvature, grade and altitude bands."""
    net = world.network
    classes, class_of = np.unique(net.road_class.astype(str), return_inverse=True)
    rate = np.array([CLASS_RATE.get(str(c), 0.005) for c in classes])[class_of]
    for kind, factor_k in ZONE_FACTOR.items():
        rate[flags[kind]] *= factor_k
    for terms, prefix, factors in (
        (rt.curvature_terms(rt.curvature(net.coords_ll, net.offsets)), "curve", CURVE_FACTOR),
        (rt.grade_terms(np.asarray(grade_pct, dtype=float)), "grade", GRADE_FACTOR),
        (rt.altitude_terms(np.asarray(altitude_m, dtype=float)), "altitude", ALTITUDE_FACTOR),
    ):
        for name, factor_k in factors.items():
            rate[terms == f"{prefix}:{name}"] *= factor_k
    return rate


def segment_stations(world: DemoWorld, weather: DemoWeather) -> np.ndarray:
    """Index of the active weather station nearest each segment's midpoint (as analysis/risk.py finds it)."""
    net = world.network
    mid = rt.midpoints(net.coords_ll, net.offsets)
    return np.maximum(rt.nearest(mid[:, 0], mid[:, 1], weather.lon, weather.lat), 0)


def accidents(
    world: DemoWorld,
    hazards: list[Hazard],
    reg: Registry,
    rng: np.random.Generator,
    weather: DemoWeather,
    grade_pct: np.ndarray,
    altitude_m: np.ndarray,
) -> dict[str, list]:
    """The synthetic accident records as columns (see the module doc for the model); `grade_pct` and
    `altitude_m` per segment as segment_terrain holds them (NaN where none)."""
    net = world.network
    n = len(net.src)
    flags, spots = _zone_flags(world, hazards)
    rate = segment_rates(world, flags, grade_pct, altitude_m)
    station = segment_stations(world, weather)
    s_count = max(len(weather.code), 1)
    classes = weather.classes if len(weather.code) else np.zeros((1, PERIOD_DAYS * 24), dtype=np.int8)
    n_hours = classes.shape[1]
    hours = History(weather.start, np.arange(s_count), classes).exposure_hours()  # stations × bands × classes
    band_w = np.array([HOUR_FACTOR[b] for b in rt.HOUR_BANDS])
    weather_w = np.array([WEATHER_FACTOR[w] for w in rt.WEATHER_CLASSES])
    cell_w = (band_w[:, None] * weather_w[None, :]).reshape(-1)
    n_cells = len(cell_w)
    lam = (net.length_m / 1000.0 * rate)[:, None] * hours.reshape(s_count, -1)[station] / rt.HOURS_PER_YEAR * cell_w
    counts = rng.poisson(lam).ravel()
    seg = np.repeat(np.repeat(np.arange(n), n_cells), counts)
    cell = np.repeat(np.tile(np.arange(n_cells), n), counts)
    # each accident's hour: uniform among its station's hours of its band and weather
    bands = rt.hour_band(np.arange(n_hours) % 24)  # the period starts at a local midnight
    hour_key = (np.arange(s_count)[:, None] * n_cells + bands[None, :] * len(rt.WEATHER_CLASSES) + classes).ravel()
    if s_count * n_cells <= np.iinfo(np.int16).max:
        hour_key = hour_key.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort
    by_key = np.argsort(hour_key, kind="stable")
    first = np.searchsorted(hour_key[by_key], np.arange(s_count * n_cells))
    key = station[seg] * n_cells + cell
    pick = first[key] + np.floor(rng.random(len(seg)) * hours.reshape(-1)[key]).astype(np.int64)
    hour_at = by_key[pick] % n_hours
    frac = rng.random(len(seg))
    # a cluster at each blackspot place: on the segment under its stake, within ±CLUSTER_M
    for e, stake in spots:
        k = int(rng.poisson(CLUSTER_MEAN))
        a, b = float(net.start_stake_m[e]), float(net.end_stake_m[e])
        if k == 0 or not (np.isfinite(a) and np.isfinite(b)) or a == b:
            continue
        # kept just inside the segment: one on its end node would lie on the next segment as much as on
        # this one, and the demo finds each accident's segment by its position (linear referencing)
        f = np.clip((stake + rng.uniform(-CLUSTER_M, CLUSTER_M, k) - a) / (b - a), 0.01, 0.99)
        seg = np.concatenate([seg, np.full(k, e)])
        frac = np.concatenate([frac, f])
        hour_at = np.concatenate([hour_at, rng.integers(0, n_hours, k)])
    m = len(seg)
    order = np.lexsort((frac, seg))
    seg, frac, hour_at = seg[order], frac[order], hour_at[order]
    in_force = classes[station[seg], hour_at]
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
    days, hours = hour_at // 24, hour_at % 24
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
    # the recorded weather: the class in force (clear is 晴 or 阴)
    recorded = np.array(RECORDED_WEATHER, dtype=object)[in_force]
    recorded[(in_force == 0) & (rng.random(m) < OVERCAST_P)] = "阴"
    night = (hours < 6) | (hours >= 19)
    lit = rng.random(m) < np.where(road_class == "urban", 0.85, 0.3)
    light = np.where(~night, "白天", np.where(lit, "夜间有路灯照明", "夜间无路灯照明")).astype(object)
    surface = np.where(recorded == "雨", "潮湿", np.where(recorded == "雪", "冰雪", "干燥")).astype(object)
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
        "weather": recorded.tolist(),
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
