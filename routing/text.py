"""Human text in Chinese and English: directions, road labels, distances, sign phrases."""

from __future__ import annotations

import math
import re

from gis.lang import negotiate
from routing.romanise import exit_en, romanise

_HAN = re.compile(r"[\u3400-\u9fff]")

LANGS = ("zh-CN", "en")

_COMPASS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_COMPASS_EN = ("north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest")
_BOUND_EN = (
    "northbound",
    "northeastbound",
    "eastbound",
    "southeastbound",
    "southbound",
    "southwestbound",
    "westbound",
    "northwestbound",
)

REASON_ZH = {
    "accident": "事故",
    "works": "施工",
    "weather_closure": "恶劣天气",
    "fog": "大雾",
    "ice": "结冰",
    "entrance_closure": "收费站入口",
    "control": "交通管制",
    None: "",
}
REASON_EN = {
    "accident": "accident",
    "works": "roadworks",
    "weather_closure": "weather",
    "fog": "fog",
    "ice": "ice",
    "entrance_closure": "entrance",
    "control": "traffic control",
    None: "",
}


def pick_lang(arg: str | None, accept_language: str | None) -> str:
    """'zh-CN' or 'en' from the lang parameter, else Accept-Language, else zh-CN."""
    return negotiate(arg, accept_language, "zh-CN")


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


def compass(bearing: float, lang: str) -> str:
    """Eight-wind direction of a bearing."""
    i = int(((bearing % 360) + 22.5) // 45) % 8
    return _COMPASS_ZH[i] if lang == "zh-CN" else _COMPASS_EN[i]


def bound(bearing: float, lang: str) -> str:
    """'南向' / 'southbound' for a bearing."""
    i = int(((bearing % 360) + 22.5) // 45) % 8
    return _COMPASS_ZH[i] + "向" if lang == "zh-CN" else _BOUND_EN[i]


def distance_text(metres: float, lang: str) -> str:
    """'32.5公里' / '32.5 km', or metres below one kilometre."""
    if metres < 1000:
        m = int(round(metres / 10.0) * 10) if metres >= 50 else int(round(metres))
        if m < 1000:  # else 995 m and more show as 1 km
            return f"{m}米" if lang == "zh-CN" else f"{m} m"
    km = f"{metres / 1000:.1f}".rstrip("0").rstrip(".")
    return f"{km}公里" if lang == "zh-CN" else f"{km} km"


def road_label(route_code: str | None, name: str | None, lang: str) -> str:
    """'G4京港澳高速' (zh) / 'G4 京港澳高速 (Jinggang'ao Expressway)' (en: with its pinyin); the name or the code alone when one is missing."""
    if name and lang != "zh-CN":  # English text: the name as signed, with its pinyin and kind
        latin = romanise(name)
        name = name if latin == name else f"{name} ({latin})"
    if route_code and name:
        if name.upper().startswith(route_code.upper()):
            return name
        return f"{route_code}{name}" if lang == "zh-CN" else f"{route_code} {name}"
    if route_code or name:
        return str(route_code or name)
    return "无名道路" if lang == "zh-CN" else "an unnamed road"


_STAKE = re.compile(r"K\d+\+\d{3}$")  # an exit known only by its stake

_TURN_ZH = {
    "straight": "直行",
    "slight right": "稍向右转",
    "slight left": "稍向左转",
    "right": "右转",
    "left": "左转",
    "sharp right": "向右急转",
    "sharp left": "向左急转",
    "uturn": "掉头",
}
_TURN_EN = {
    "straight": "Continue straight",
    "slight right": "Bear right",
    "slight left": "Bear left",
    "right": "Turn right",
    "left": "Turn left",
    "sharp right": "Turn sharp right",
    "sharp left": "Turn sharp left",
    "uturn": "Make a U-turn",
}


def instruction(
    maneuver: str,
    modifier: str,
    road: str,
    heading: str,
    dist: str,
    exit_at: str | None,
    lang: str,
    entry_at: str | None = None,
    onto: str | None = None,
) -> str:
    """One step's sentence, e.g. '沿G4京港澳高速向南行驶32.5公里，从K1520出口驶出'; `entry_at`: the place of
    the toll station a ramp onto an expressway passes ('经长沙南收费站进入匝道'); `onto`: the expressway the
    exit leads onto ('在雁峰枢纽互通转S61衡炎高速': one changes road at a hub, one does not leave). A ramp
    gives no compass word: a looping ramp's chord says nothing of the way it turns."""
    if lang == "zh-CN":
        if maneuver == "ramp":
            lead = f"经{entry_at}收费站进入匝道，" if entry_at else "进入匝道，"
            return f"{lead}沿匝道行驶{dist}"
        if maneuver == "depart":
            lead = "出发，"
        elif maneuver == "merge":
            lead = f"驶入{road}，"
        elif maneuver == "turn":
            lead = f"{_TURN_ZH.get(modifier, '直行')}，"
        else:
            lead = ""
        text = f"{lead}沿{road}向{heading}行驶{dist}"
        if exit_at is not None:
            if onto is not None:
                text += f"，在{exit_at}互通转{onto}" if exit_at and not _STAKE.match(exit_at) else f"，经匝道转{onto}"
            elif exit_at.endswith("枢纽"):  # a hub interchange joins another expressway: no exit there
                text += f"，经{exit_at}互通驶离"
            else:
                text += f"，从{exit_at}出口驶出" if exit_at else "，从出口驶出"
        return text
    if maneuver == "ramp":
        station = f" through the {exit_en(entry_at).removesuffix(' exit')} toll station" if entry_at else ""
        return f"Take the ramp{station} for {dist}"
    if maneuver == "depart":
        lead_en = f"Head {heading} on {road}"
    elif maneuver == "merge":
        lead_en = f"Merge onto {road} heading {heading}"
    elif maneuver == "turn":
        lead_en = f"{_TURN_EN.get(modifier, 'Continue')} onto {road} heading {heading}"
    else:
        lead_en = f"Continue {heading} on {road}"
    text = f"{lead_en} for {dist}"
    if onto is not None and exit_at and not _STAKE.match(exit_at) and _HAN.search(exit_at):
        place = (
            exit_en(exit_at) if exit_at.endswith("枢纽") else f"{exit_en(exit_at).removesuffix(' exit')} interchange"
        )
        text += f", then change to {onto} at the {place} ({exit_at})"
    elif onto is not None:
        text += f", then take the ramp onto {onto}"
    elif exit_at and exit_at.endswith("枢纽"):
        text += f", then leave at the {exit_en(exit_at)} ({exit_at})"
    elif exit_at and _HAN.search(exit_at):
        # The exit in English ('the Zhangjiajie South exit') and as its sign reads in characters.
        text += f" towards the {exit_en(exit_at)}, then take the exit at {exit_at}"
    elif exit_at is not None:
        text += f", then take the exit at {exit_at}" if exit_at else ", then take the exit"
    return text


def arrive_text(lang: str, via: bool = False) -> str:
    """Arrival sentence."""
    if via:
        return "到达途经点" if lang == "zh-CN" else "You have reached a waypoint"
    return "到达目的地" if lang == "zh-CN" else "You have arrived at your destination"


def hub_name(name: str | None) -> str | None:
    """The short name of a hub interchange (枢纽互通: expressway to expressway, no toll station) as signs
    write it ('衡阳东枢纽互通' → '衡阳东枢纽'); None when `name` is no hub's."""
    short = name.removesuffix("互通") if name else None
    return short if short and short.endswith("枢纽") else None


def is_hub(name: str | None) -> bool:
    """Whether an exit's name is a hub interchange's."""
    return hub_name(name) is not None


def closure_sign(
    *,
    closed_from: str,
    closed_to: str,
    reason: str | None,
    exit_at: str | None,
    detour_road: str | None,
    effect: str = "closed",
    where_zh: str | None = None,
    junction: str | None = None,
) -> tuple[str, str]:
    """A guidance-sign message pair, e.g. '前方K1530至K1545大雾封闭 请从K1498出口绕行S20'; `where_zh`
    overrides the section as written in Chinese (stakes ascending); off expressways `junction` names the
    junction (路口) where traffic turns off: there are no exits (出口) there."""
    r_zh, r_en = REASON_ZH.get(reason, ""), REASON_EN.get(reason, "")
    if where_zh is None:
        where_zh = f"{closed_from}至{closed_to}" if closed_to and closed_to != closed_from else closed_from
    where_en = where_zh.replace("至", "–") if "至" in where_zh else where_zh
    verb_zh = "封闭" if effect == "closed" else "限速"
    zh = f"前方{where_zh}{r_zh}{verb_zh}"
    en_head = f"{r_en} closure" if effect == "closed" else f"{r_en} speed restriction"
    en = f"{en_head.strip().capitalize()} ahead {romanise(where_en)}"
    if junction is not None:
        zh += f" 请在{junction}路口绕行{detour_road or ''}".rstrip()
        en += f": turn off at the junction at {romanise(junction)}"
        if detour_road:
            en += f" and follow {romanise(detour_road)}"
    elif (hub := hub_name(exit_at)) is not None:  # change expressway there: a hub is no exit
        zh += f" 请在{hub}转{detour_road or '道'}绕行"
        en += f": change at the {exit_en(hub)}"
        if detour_road:
            en += f" to {romanise(detour_road)}"
    elif exit_at is not None:
        exit_zh = f"{exit_at}出口" if exit_at else "前方出口"
        zh += f" 请从{exit_zh}绕行{detour_road or ''}".rstrip()
        if exit_at and _HAN.search(exit_at):
            en += f": take the {exit_en(exit_at)}"  # 'take the Hengshan South exit'
        else:
            en += f": take the exit at {exit_at}" if exit_at else ": take the next exit"
        if detour_road:
            en += f" and follow {romanise(detour_road)}"
    return zh, en


def restriction_sign(
    *, where_from: str, where_to: str, reason: str | None, speed_kmh: int | None, gap_m: float | None
) -> tuple[str, str]:
    """A speed-restriction sign pair, e.g. '前方K1617+000至K1638+000大雾路段 限速40公里/小时 车距保持50米以上'."""
    r_zh, r_en = REASON_ZH.get(reason, ""), REASON_EN.get(reason, "")
    where_zh = f"{where_from}至{where_to}" if where_to and where_to != where_from else where_from
    where_en = f"{where_from}–{where_to}" if where_to and where_to != where_from else where_from
    zh = f"前方{where_zh}{r_zh}路段"
    head = f"{r_en} speed restriction".strip()
    en = f"{head[:1].upper()}{head[1:]} ahead {where_en}"  # str.capitalize() would lower the stakes (k924)
    if speed_kmh:
        zh += f" 限速{speed_kmh}公里/小时"
        en += f": {speed_kmh} km/h"
    if gap_m:
        zh += f" 车距保持{gap_m:.0f}米以上"
        en += f", keep {gap_m:.0f} m from the vehicle ahead"
    return zh, en
