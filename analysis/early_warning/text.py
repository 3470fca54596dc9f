"""Warning messages as a Hunan traffic-police duty officer publishes them ("G4京港澳高速衡阳往郴州方向
K1617至K1638段大雾，能见度低于100米，限速40公里/小时，保持车距50米以上"), their English, and the phrase
variants a variable message sign shows (fitted to its lines by routing.signs.fit)."""

from __future__ import annotations

from dataclasses import dataclass

from gis.stake import format_stake
from routing.romanise import romanise
from routing.signs import short_stake
from routing.text import road_label


@dataclass(frozen=True)
class Situation:
    """What a message says: the reason and level, the readings and the measure in force."""

    reason: str  # fog, ice, downgrade_rain, risk
    level: str
    measure: str  # advise, cap, close
    visibility_below_m: float | None = None  # the level's threshold (fog)
    surface_c: float | None = None
    precipitation_mm: float | None = None
    relative_risk: float | None = None
    speed_cap_kmh: int | None = None
    following_distance_m: float | None = None


def _stake(metres: float) -> str:
    return short_stake(format_stake(metres)) or format_stake(metres)


def section_zh(lo: float | None, hi: float | None) -> str:
    """'K1617至K1638段' (ascending, as bulletins write them); '' without stakes."""
    if lo is None or hi is None:
        return ""
    a, b = sorted((lo, hi))
    return f"{_stake(a)}至{_stake(b)}段" if b - a >= 1.0 else f"{_stake(a)}处"


def section_en(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return ""
    a, b = sorted((lo, hi))
    return f"{_stake(a)}–{_stake(b)}" if b - a >= 1.0 else f"at {_stake(a)}"


def _celsius(value: float) -> str:
    """A reading as the station gives it, to the tenth: 1.5 °C is not '2℃' (nor -0.0 a sign)."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _what_zh(s: Situation) -> str:
    if s.reason == "fog":
        below = f"，能见度低于{s.visibility_below_m:.0f}米" if s.visibility_below_m else ""
        return f"大雾{below}"
    if s.reason == "ice":
        if s.level == "yellow":
            return (
                f"路面温度{_celsius(s.surface_c)}℃且有降水，路面可能结冰" if s.surface_c is not None else "路面可能结冰"
            )
        return "雨雪天气路面结冰" if s.level == "red" else "路面结冰"
    if s.reason == "downgrade_rain":
        rain = {"orange": "暴雨", "yellow": "大雨"}.get(s.level, "降雨")
        return f"连续长下坡路段遇{rain}，雨天路滑"
    times = f"（约为同类道路平时的{s.relative_risk:.1f}倍）" if s.relative_risk else ""
    return f"当前事故风险较高{times}"


def _do_zh(s: Situation) -> str:
    if s.measure == "close":
        return "实施封闭交通管制，请从最近出口驶离或提前绕行"
    if s.measure == "cap" and s.speed_cap_kmh:
        gap = f"，保持车距{s.following_distance_m:.0f}米以上" if s.following_distance_m else ""
        return f"限速{s.speed_cap_kmh}公里/小时{gap}"
    return {
        "fog": "请减速慢行，开启雾灯、近光灯、示廓灯和前后位灯",  # art. 81 of the implementing regulations
        "ice": "请减速慢行，谨慎驾驶",
        "downgrade_rain": "请控制车速，切勿空挡滑行",
    }.get(s.reason, "请减速慢行，谨慎驾驶")


def message_zh(
    s: Situation, *, route_code: str | None, road_name: str | None, direction_zh: str | None, lo: float | None,
    hi: float | None,
) -> str:  # fmt: skip
    """The bulletin sentence: road, direction of travel, section, what, what to do."""
    road = road_label(route_code, road_name, "zh-CN") if route_code or road_name else ""
    return f"{road}{direction_zh or ''}{section_zh(lo, hi)}{_what_zh(s)}，{_do_zh(s)}"


def _what_en(s: Situation) -> str:
    if s.reason == "fog":
        return f"fog, visibility below {s.visibility_below_m:.0f} m" if s.visibility_below_m else "fog"
    if s.reason == "ice":
        if s.level == "yellow":
            return "ice likely (surface near 0 °C with precipitation)"
        return "icy road"
    if s.reason == "downgrade_rain":
        rain = {"orange": "rainstorm", "yellow": "heavy rain"}.get(s.level, "rain")
        return f"long continuous downgrade in {rain}, slippery road"
    times = f" (about {s.relative_risk:.1f} times usual for the road class)" if s.relative_risk else ""
    return f"high accident risk now{times}"


def _do_en(s: Situation) -> str:
    if s.measure == "close":
        return "road closed: leave at the nearest exit or detour in advance"
    if s.measure == "cap" and s.speed_cap_kmh:
        gap = f", keep at least {s.following_distance_m:.0f} m from the vehicle ahead" if s.following_distance_m else ""
        return f"speed limit {s.speed_cap_kmh} km/h{gap}"
    return {
        "fog": "slow down and turn on fog lights, dipped headlights, side and rear position lights",
        "downgrade_rain": "keep your speed down and stay in gear",
    }.get(s.reason, "slow down and drive with care")


def message_en(
    s: Situation, *, route_code: str | None, road_name: str | None, direction_en: str | None, lo: float | None,
    hi: float | None,
) -> str:  # fmt: skip
    """The English sentence: 'G4 Jinggang'ao Expressway, Hengyang to Chenzhou, K1617–K1638: fog, …; …'."""
    name = romanise(road_name) if road_name else None
    if route_code and name and name.upper().startswith(route_code.upper()):  # 'G4京港澳高速' names its code
        route_code = None
    road = " ".join(p for p in (route_code, name) if p) or "Road"
    parts = [road, *(p for p in (direction_en, section_en(lo, hi)) if p)]
    text = f"{', '.join(parts)}: {_what_en(s)}; {_do_en(s)}"
    return text[:1].upper() + text[1:]


def board_variants(s: Situation, *, lo: float | None, hi: float | None) -> list[list[str]]:
    """Phrase variants for a variable message sign, longest first (routing.signs.fit picks the first
    that fits the sign's lines × characters)."""
    where = section_zh(lo, hi).removesuffix("段")
    what = {
        "fog": "大雾",
        "ice": "路面结冰" if s.level != "yellow" else "路面易结冰",
        "downgrade_rain": "长下坡 雨天路滑",
        "risk": "事故风险高",
    }[s.reason]
    if s.measure == "close":
        long, short = ["道路封闭", "请从最近出口驶离"], ["封闭 请驶离"]
    elif s.measure == "cap" and s.speed_cap_kmh:
        gap = s.following_distance_m
        long = [f"限速{s.speed_cap_kmh}公里/小时", *([f"车距保持{gap:.0f}米以上"] if gap else [])]
        short = [f"限速{s.speed_cap_kmh} 车距{gap:.0f}米" if gap else f"限速{s.speed_cap_kmh}"]
    else:
        advice = {"fog": ["减速慢行", "开启雾灯"], "downgrade_rain": ["控制车速", "切勿空挡滑行"]}
        long = advice.get(s.reason, ["减速慢行", "谨慎驾驶"])
        short = long[:1]
    head = f"前方{where}{what}" if where else f"前方{what}"
    return [[head, *long], [f"前方{what}", *long], [f"前方{what}", *short], [f"{what}{short[0]}"]]
