"""Plans for speed restrictions (effect `restricted`): the section and, upstream in each direction,
signs with the speed cap and the following distance the weather rules pair with it. No detour and
no closure wording: traffic keeps to the road."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gis.stake import format_stake
from routing.diversion import (
    CITY_AHEAD_M,
    Closure,
    _article_zh,
    _asked_range,
    _node_stake,
    _order_chain,
    _point,
    _reason,
    _section,
    _streams,
    _walk,
    clipped_line,
)
from routing.graph import ROAD_CLASSES
from routing.overlay import Overlay
from routing.plan_rules import plan_rules
from routing.romanise import article_en, romanise
from routing.rules import gap_for_speed, rule_for_cap
from routing.service import RoutingState
from routing.signs import (
    CityCounty,
    board_feature,
    direction_between,
    fit,
    restriction_board_variants,
    signs_upstream,
)
from routing.text import REASON_ZH, bearing_deg, bound, restriction_sign, road_label

# Where the advance signs stand, metres upstream of the restricted section.
SIGN_DISTANCES_M = (2_000.0, 5_000.0)
RESTRICTION_SIGNS_M = 30_000.0  # real signs this far upstream carry the restriction
MOBILE_CLEAR_M = 1_000.0  # a mobile board goes this much nearer the section than the nearest real sign


def plan_restriction(
    state: RoutingState,
    overlay: Overlay,
    closure: Closure,
    *,
    message_signs: list[Any] | None = None,
    cities: Callable[[list], list[CityCounty]] | None = None,
) -> dict:
    """The plan for a speed restriction as a GeoJSON FeatureCollection: per direction the restricted
    section (role `restriction`) and its advance signs (role `sign`: the real signs within
    RESTRICTION_SIGNS_M upstream, and mobile boards at those of SIGN_DISTANCES_M nearer the section than
    the nearest real sign), no decision points or detours."""
    from gis.errors import Unprocessable

    g = state.graph
    if not closure.arcs:
        raise Unprocessable(
            "the restriction touches no road of the routing network",
            parameter="closure",
            detail_zh="该限速管制未落在路网的任何道路上",
        )
    reason = _reason(closure, overlay)
    features: list[dict] = []
    directions: list[dict] = []
    for si, st in enumerate(_streams(g, closure.arcs)):
        ordered = _order_chain(g, st.arcs)
        b = bearing_deg(g.node_lon[st.entry], g.node_lat[st.entry], g.node_lon[st.exit], g.node_lat[st.exit])
        dir_en = bound(b, "en")
        s_from, s_to = _node_stake(g, st.entry, ordered[0]), _node_stake(g, st.exit, ordered[-1])
        if (
            closure.route_code
            and st.key == ("route", closure.route_code)
            and None
            not in (
                closure.from_stake_m,
                closure.to_stake_m,
                s_from,
                s_to,
            )
        ):
            lo, hi = sorted((float(closure.from_stake_m), float(closure.to_stake_m)))  # type: ignore[arg-type]
            s_from, s_to = (lo, hi) if s_to >= s_from else (hi, lo)  # type: ignore[operator]
        road_class = ROAD_CLASSES[int(g.seg_class[ordered[0] >> 1])]
        cap = closure.speed_cap_kmh
        # The following distance is the fog rule's (art. 81); ice sets none.
        gap = gap_for_speed(road_class, cap) if cap and reason != "ice" else None
        where_from = format_stake(s_from) if s_from is not None else road_label(None, g.name(ordered[0] >> 1), "zh-CN")
        where_to = format_stake(s_to) if s_to is not None else ""
        features.append(
            {
                "type": "Feature",
                "geometry": clipped_line(g, ordered, _asked_range(closure, st.key))[0],
                "properties": {
                    "role": "restriction",
                    "stream": si,
                    "direction": dir_en,
                    "direction_zh": None,  # set below, once the control cities are known
                    "route_code": st.key[1] if st.key[0] == "route" else None,
                    "from_stake": format_stake(s_from) if s_from is not None else None,
                    "to_stake": format_stake(s_to) if s_to is not None else None,
                    "speed_cap_kmh": cap,
                    "following_distance_m": gap,
                    "length_m": round(clipped_line(g, ordered, _asked_range(closure, st.key))[1], 1),
                    "segments_length_m": round(sum(float(g.seg_length_m[a >> 1]) for a in ordered), 1),
                },
            }
        )
        upstream = _walk(g, st.entry, st.key, closure.arcs, RESTRICTION_SIGNS_M, upstream=True)
        dir_zh = bound(b, "zh-CN")
        if cities is not None:
            ahead = _walk(g, st.exit, st.key, closure.arcs, CITY_AHEAD_M, upstream=False)
            behind = _walk(g, st.entry, st.key, closure.arcs, CITY_AHEAD_M, upstream=True)
            dir_zh = direction_between(cities(upstream[:1]), cities(ahead), cities(behind)) or dir_zh
        features[-1]["properties"]["direction_zh"] = dir_zh
        dir_text_en = romanise(dir_zh) if "往" in dir_zh else dir_en
        features[-1]["properties"]["direction_text_en"] = dir_text_en
        if s_from is not None and s_to is not None and s_from > s_to:  # bulletins write stakes ascending
            where_from, where_to = where_to, where_from
        zh, en = restriction_sign(where_from=where_from, where_to=where_to, reason=reason, speed_kmh=cap, gap_m=gap)
        real = signs_upstream(g, upstream, message_signs or [], st.key[1] if st.key[0] == "route" else None)
        where = _section(s_from, s_to, where_from)
        variants = restriction_board_variants(
            where=where, reason_zh=REASON_ZH.get(reason, ""), speed_kmh=cap, gap_m=gap
        )
        for sign, metres in real:
            board = fit(variants, sign.lines, sign.chars_per_line)
            features.append(board_feature(sign, board, stream=si, direction=dir_en, metres=metres, message_en=en))
        placed: set[int] = set()
        rules = plan_rules()
        # Mobile boards where no real sign stands nearer the section (a gantry 20 km out tells no one at 2 km).
        nearest = min((m for _, m in real), default=float("inf"))
        for target in (t for t in SIGN_DISTANCES_M if t < nearest - MOBILE_CLEAR_M):
            node, metres, arc = next(
                ((n, m, a) for n, m, _, a in upstream if m >= target),
                (upstream[-1][0], upstream[-1][1], upstream[-1][3]),
            )
            if node in placed:
                continue
            placed.add(node)
            stake_m = _node_stake(g, node, arc) if arc >= 0 else None
            stake = format_stake(stake_m) if stake_m is not None else None
            board = fit(variants, rules.mobile_board_lines, rules.mobile_board_chars)
            at = f"{stake}处，" if stake else ""
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _point(g, node)},
                    "properties": {
                        "role": "sign",
                        "stream": si,
                        "direction": dir_en,
                        "distance_to_restriction_m": round(metres, 1),
                        # No variable message sign within RESTRICTION_SIGNS_M: a mobile board (移动式情报板, it carries
                        # text; a numeric speed-limit sign cannot) set up here, named as such so nobody looks for a
                        # gantry, with its stake and the message laid out on a trailer board's lines (plan_rules.toml).
                        "temporary": True,
                        "sign_name": f"临时移动式情报板（{at}限速路段前{metres / 1000:.1f}公里）",
                        "stake": stake,
                        "lines": rules.mobile_board_lines,
                        "chars_per_line": rules.mobile_board_chars,
                        "message_lines": board.lines,
                        "message_zh": board.text,
                        "fits": board.fits,
                        "message_en": en,
                    },
                }
            )
        directions.append(
            {
                "stream": si,
                "direction": dir_en,
                "direction_zh": dir_zh,
                "direction_text_en": dir_text_en,
                "plan": "restriction",
                "speed_cap_kmh": cap,
                "following_distance_m": gap,
                "recommended_decision_point": None,
                "recommended_detour_via": None,
            }
        )
    for i, f in enumerate(features):
        f["id"] = i
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "incident_id": closure.incident_id,
        "effect": "restricted",
        "directions": directions,
        "features": features,
    }
    basis = _legal_basis(reason, ROAD_CLASSES[int(g.seg_class[min(closure.arcs) >> 1])], closure.speed_cap_kmh)
    if basis is not None:
        out["legal_basis"] = basis
    return out


def _legal_basis(reason: str | None, road_class: str, cap: float | None) -> dict | None:
    """The article a fog or ice restriction applies (weather_rules.toml), with its words as a bulletin cites them."""
    if reason not in ("fog", "ice") or not cap:
        return None
    rule = rule_for_cap(reason, road_class, cap)
    if rule is None and reason == "ice":
        # No ice rule caps an expressway (art. 78 sets a 60 km/h minimum there): a cap on an icy road that no
        # rule names is the traffic police's control measure under the Law's art. 39.
        article = "道路交通安全法第三十九条"
        return {
            "hazard": reason,
            "road_class": road_class,
            "article": article,
            "article_en": article_en(article),
            "rule_speed_kmh": None,
            "rule_gap_m": None,
            "note_zh": f"因路面结冰，依据《中华人民共和国道路交通安全法》第三十九条，公安机关交通管理部门对该路段实施"
            f"交通管制，限速每小时{cap:.0f}公里。",
            "note_en": f"Ice on the road: a {cap:.0f} km/h limit as the traffic police's control measure under the "
            "Road Traffic Safety Law art. 39.",
        }
    if rule is None:
        return None
    when_zh = f"能见度小于{rule.below_m:.0f}米时，" if rule.below_m is not None else "在冰雪道路上行驶时，"
    gap_zh = f"，与同车道前车保持{rule.gap_m:.0f}米以上的距离" if rule.gap_m else ""
    when_en = f"below {rule.below_m:.0f} m visibility" if rule.below_m is not None else "on icy or snowy roads"
    gap_en = f", keeping {rule.gap_m:.0f} m from the vehicle ahead" if rule.gap_m else ""
    return {
        "hazard": reason,
        "road_class": road_class,
        "article": rule.article,
        "article_en": article_en(rule.article),
        "rule_speed_kmh": rule.speed_kmh,
        "rule_gap_m": rule.gap_m,
        "note_zh": f"依据{_article_zh(rule.article)}，{when_zh}车速不得超过每小时{rule.speed_kmh:.0f}公里{gap_zh}。",
        "note_en": f"Under {article_en(rule.article)}: {when_en} at most {rule.speed_kmh:.0f} km/h{gap_en}.",
    }
