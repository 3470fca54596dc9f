"""Notices a route answer carries about how it was planned: a route asked to ignore the incidents in
force (ignore=incidents) says so, and names the closures and speed restrictions it then passes, rather
than leaving a driver to think the road is clear (issue 13); a route asked to ignore the weather
(ignore=weather) names the fog and ice measures in force that it passes."""

from __future__ import annotations

import numpy as np

from routing.overlay import Overlay
from routing.partial import incidents_passed
from routing.search import Path


def incidents_ignored(lang: str, live: Overlay | None, legs: list[Path]) -> dict:
    """The notice of a route planned with ignore=incidents: `live` is the overlay in force (with the
    incidents), from which the closures and restrictions the route passes are named (None: not known)."""
    passed = sorted(incidents_passed(live, legs)) if live is not None else []
    closed = [i for i in passed if live is not None and live.incident_info.get(i, ("closed",))[0] == "closed"]
    n, c = len(passed), len(closed)
    if lang == "zh-CN":
        text = "本路线按您的要求未避让现行交通管制"
        if n:
            text += f"，途经现行管制{n}处（其中封闭{c}处），实际通行请以现场管制和交警指挥为准"
        elif live is not None:
            text += "，途中无现行封闭或限速"
    else:
        text = "Planned as you asked without avoiding the closures and speed restrictions in force"
        if n:
            text += f"; the route passes {n} of them ({c} closed): obey the controls and the police on site"
        elif live is not None:
            text += "; none lies on this route"
    return {"kind": "incidents_ignored", "incident_ids": passed, "text": text}


def weather_ignored(lang: str, live: Overlay | None, used: Overlay, legs: list[Path]) -> dict:
    """The notice of a route planned with ignore=weather: `live` is the overlay with the weather in force,
    `used` the one the route was planned on; where the route's arcs cost more under `live`, a fog or ice
    measure (a cap, a closure, a warning's cap) acts there, and its hazard zones are named."""
    zones: set[int] = set()
    closed: set[int] = set()
    if live is not None:
        arcs = np.fromiter({a for p in legs for a in p.arcs}, dtype=np.int64)
        hit = arcs[live.cost[arcs] > used.cost[arcs]] if len(arcs) else arcs
        for a in hit.tolist():
            here = live.seg_hazards.get(a >> 1, set())
            zones |= here
            if not np.isfinite(live.cost[a]):
                closed |= here
    n, c = len(zones), len(closed)
    if lang == "zh-CN":
        text = "本路线按您的要求未考虑现行天气管制（低能见度限速、结冰封闭等）"
        if n:
            text += f"，途经受天气管制路段{n}处（其中封闭{c}处），实际通行请按现场限速和交警指挥"
        elif live is not None:
            text += "，途中无现行天气管制"
    else:
        text = "Planned as you asked without the fog and ice measures in force"
        if n:
            text += f"; the route passes {n} sections under them ({c} closed): obey the limits and the police on site"
        elif live is not None:
            text += "; none lies on this route"
    return {"kind": "weather_ignored", "hazard_ids": sorted(zones), "text": text}
