"""A black spot in words, as a duty officer reads it (zh-CN) or a partner does (en): where (route,
direction, stakes), what happened there, the score with its unit and, for the window method, the rules
it met."""

from __future__ import annotations

from analysis.blackspot_criteria import criteria
from analysis.spots import Spot

_WAY_ZH = {"up": "上行", "down": "下行", "both": "双向"}
_WAY_EN = {"up": "up", "down": "down", "both": "both directions"}
# The score's unit by method (window: weighted accidents a year; eb: PSI in accidents over the period;
# nkde: density in weighted accidents per km).
SCORE_UNIT = {
    "window": ("当量事故起/年", "weighted accidents a year"),
    "eb": ("起（统计期内，EB期望值减SPF预测值）", "accidents over the period (EB expected minus SPF predicted)"),
    "nkde": ("当量事故起/公里（核密度）", "weighted accidents per km (kernel density)"),
}


def score_unit(method: str, lang: str) -> str:
    """The unit of `method`'s score in `lang`."""
    zh, en = SCORE_UNIT[method]
    return zh if lang == "zh-CN" else en


def describe(spot: Spot, method: str, years: float, lang: str) -> str:
    """One sentence about `spot` in `lang` ('zh-CN' or 'en')."""
    from analysis.blackspots import format_stake

    a, b = format_stake(spot.from_stake_m), format_stake(spot.to_stake_m)
    if lang == "zh-CN":
        way = _WAY_ZH.get(spot.direction)
        where = f"{spot.route_code}{' ' + way if way else ''} {a}至{b}"
        kind = "事故多发点" if spot.kind == "point" else "事故多发段"
        text = (
            f"{where} {kind}：统计期（{years:.1f}年）内事故{spot.accidents}起（死亡事故{spot.fatal}起、伤人事故"
            f"{spot.injury}起），死亡{spot.deaths}人、受伤{spot.injuries}人；"
        )
        if method == "eb":
            text += (
                f"EB期望事故{spot.expected or 0:.1f}起，SPF预测{spot.predicted or 0:.1f}起，"
                f"改善潜力（PSI）{spot.score:.1f}起"
            )
        elif method == "window":
            text += f"当量事故{spot.score:.1f}起/年"
        else:
            text += f"核密度{spot.score:.1f}（当量事故起/公里）"
        names = {r.id: r.name_zh for r in criteria().rules}
        if spot.criteria:
            text += "；认定依据：" + "；".join(names.get(c, c) for c in spot.criteria)
        return text + "。"
    way = _WAY_EN.get(spot.direction)
    where = f"{spot.route_code}{' ' + way if way else ''} {a}–{b}"
    text = (
        f"{where} black {'spot' if spot.kind == 'point' else 'section'}: {spot.accidents} accidents in "
        f"{years:.1f} years ({spot.fatal} fatal, {spot.injury} injury), {spot.deaths} killed, {spot.injuries} injured; "
    )
    if method == "eb":
        text += (
            f"EB expected {spot.expected or 0:.1f}, SPF predicted {spot.predicted or 0:.1f}, "
            f"potential for safety improvement (PSI) {spot.score:.1f} accidents"
        )
    else:
        text += f"score {spot.score:.1f} {score_unit(method, lang)}"
    if spot.criteria:
        names = {r.id: r.name_en() for r in criteria().rules}
        text += "; criteria met: " + "; ".join(names.get(c, c) for c in spot.criteria)
    return text + "."
