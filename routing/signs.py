"""Messages for the real variable message signs (情报板) upstream of a closure or restriction: one
message per sign, fitted to its lines × characters, worded as Hunan bulletins word them (the exit by
toll station, the direction of travel between control cities)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql
from gis.stake import format_stake
from routing.text import hub_name

CITY_SAMPLE_M = 5_000.0  # spacing of the points looked up for control cities


@dataclass(frozen=True)
class Board:
    """A sign's message laid out on its lines (`fits`: within its lines × characters)."""

    lines: list[str]
    fits: bool

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def load_message_signs(conn: Connection) -> list[Any]:
    """Every variable message sign in service on the road network."""
    return list(conn.execute(sa.text(load_sql("queries/routing_message_signs.sql"))).all())


def width(text: str) -> float:
    """Display width in characters: a Chinese character is one, an ASCII letter or digit half."""
    return sum(0.5 if ord(c) < 128 else 1.0 for c in text)


def _pack(phrases: list[str], chars: int) -> list[str]:
    """Phrases laid out greedily on lines of at most `chars`; a phrase too long for a line is split."""
    lines: list[str] = []
    cur = ""
    for phrase in phrases:
        if cur and width(cur + " " + phrase) <= chars:
            cur += " " + phrase
            continue
        if cur:
            lines.append(cur)
        cur = ""
        for ch in phrase:
            if width(cur + ch) > chars:
                lines.append(cur)
                cur = ""
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def fit(variants: list[list[str]], lines: int | None, chars: int | None) -> Board:
    """The first variant (longest first) whose phrases fit the sign; the last, marked not fitting, if none."""
    if not lines or not chars:
        return Board([" ".join(variants[0])], False)
    # First a variant whose every phrase fits on a line (no phrase broken mid-word), then any.
    for whole in (True, False):
        for phrases in variants:
            if whole and any(width(p) > chars for p in phrases):
                continue
            laid = _pack(phrases, chars)
            if len(laid) <= lines:
                return Board(laid, True)
    return Board(_pack(variants[-1], chars)[:lines], False)


def signs_upstream(
    graph: Any, upstream: list[tuple[int, float, float, int]], signs: list[Any], route_code: str | None = None
) -> list[tuple]:
    """(sign, metres to the closure) for each sign on an arc of the upstream walk facing its travel; a sign
    recorded on another road than `route_code` (a G72 gantry linked to the G106 segment beneath it) is not
    this road's."""
    if route_code:
        signs = [s for s in signs if not s.route_code or s.route_code == route_code]
    if not signs:
        return []
    by_seg: dict[int, list[tuple[float, int]]] = {}
    for _node, metres, _s, arc in upstream:
        if arc >= 0:
            by_seg.setdefault(arc >> 1, []).append((metres, arc))
    idx = graph.segment_index([int(s.segment_id) for s in signs])
    out = []
    for sign, seg in zip(signs, idx.tolist(), strict=True):
        for metres, arc in by_seg.get(seg, []):
            two_way = bool(np.isfinite(graph.base_cost[2 * seg]) and np.isfinite(graph.base_cost[2 * seg + 1]))
            if two_way and sign.direction in ("forward", "backward") and (arc & 1) != (sign.direction == "backward"):
                continue
            out.append((sign, metres))
    return sorted(out, key=lambda t: t[1])


def short_city(name: str | None) -> str | None:
    """'衡阳市' → '衡阳'; '湘西土家族苗族自治州' → '湘西', as bulletins name control cities."""
    if not name:
        return None
    if name.endswith("自治州"):
        return name[:2]
    return name[:-1] if name.endswith(("市", "州")) and len(name) > 2 else name


def short_county(name: str | None) -> str | None:
    """'茶陵县' → '茶陵', '醴陵市' → '醴陵', '靖州苗族侗族自治县' → '靖州'; districts ('芦淞区') and two-character
    names ('攸县') as they are."""
    if not name:
        return None
    if name.endswith("自治县"):  # '靖州苗族侗族自治县' → '靖州': Hunan's autonomous counties have two-character places
        return name[:2]
    return name[:-1] if name.endswith(("县", "市")) and len(name) > 2 else name


CityCounty = tuple[str | None, str | None]  # (control city, county) of a point


class CityAt(tuple):
    """A point's (control city, county), knowing where the point lies and where its city's seat is (the
    approach rule of direction_between); unpacks as the pair."""

    point: tuple[float, float] | None
    seat: tuple[float, float] | None

    def __new__(
        cls,
        city: str | None,
        county: str | None,
        point: tuple[float, float] | None = None,
        seat: tuple[float, float] | None = None,
    ) -> CityAt:
        self = super().__new__(cls, (city, county))
        self.point, self.seat = point, seat
        return self


def cities_along(conn: Connection, graph: Any, walk: list[tuple[int, float, float, int]]) -> list[CityCounty]:
    """Control cities and counties along a walk of nodes, one per CITY_SAMPLE_M, nearest first."""
    picked: list[int] = []
    next_m = 0.0
    for node, metres, _s, _a in walk:
        if metres >= next_m:
            picked.append(node)
            next_m = metres + CITY_SAMPLE_M
    if not picked:
        return []
    rows = conn.execute(
        sa.text(load_sql("queries/routing_cities_at.sql")),
        {"lons": [float(graph.node_lon[n]) for n in picked], "lats": [float(graph.node_lat[n]) for n in picked]},
    ).all()
    return [
        CityAt(
            short_city(r.name),
            short_county(r.county),
            (r.lon, r.lat),
            (r.seat_lon, r.seat_lat) if r.seat_lon is not None else None,
        )
        for r in rows
    ]


def direction_between(here: list[CityCounty], ahead: list[CityCounty], behind: list[CityCounty]) -> str | None:
    """The direction of travel between the control cities on either side of the section, as bulletins
    name it: on the approach to a city (its urban districts, 区, still ahead on the road before it leaves
    the city) from the city behind to this one ('湘潭往衡阳方向' north of 衡阳), else from this city to the
    next one ahead ('衡阳往郴州方向' past it; or from the last city behind at a road's end); where the road
    stays in one city, between its counties ('攸县往茶陵方向'); None when neither changes or none is known."""
    approach = _approach(here, ahead, behind)
    if approach is not None:
        return approach
    for level in (0, 1):
        named = _direction([p[level] for p in here], [p[level] for p in ahead], [p[level] for p in behind])
        if named is not None:
            return named
    return None


APPROACH_M = 2_000.0  # the road must come this much nearer the city's seat ahead to be approaching it


def _approach(here: list[CityCounty], ahead: list[CityCounty], behind: list[CityCounty]) -> str | None:
    """'湘潭往衡阳方向' when the section lies on the approach to its city: ahead, before the road leaves the
    city, it comes nearer the city's seat (where the seats are known: APPROACH_M nearer than the section);
    else it reaches one of the city's urban districts (区) and the section is not in one itself."""
    at = next((c for c, _ in here if c), None)
    if at is None:
        return None
    within = []
    for p in ahead:
        if p[0] != at:
            break
        within.append(p)
    first = here[0]
    seat, point = getattr(first, "seat", None), getattr(first, "point", None)
    if seat is not None and point is not None:
        start = _metres(point, seat)
        nearer = [p for p in within if getattr(p, "point", None) is not None]
        if not any(_metres(p.point, seat) < start - APPROACH_M for p in nearer):  # type: ignore[attr-defined]
            return None
    else:
        county = next((k for _, k in here if k), None)
        if county is not None and county.endswith("区"):
            return None
        if not any(k and k.endswith("区") for _, k in within):
            return None
    frm = next((c for c, _ in behind if c and c != at), None)
    return f"{frm}往{at}方向" if frm is not None else None


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    kx = 111_320.0 * float(np.cos(np.radians((a[1] + b[1]) / 2)))
    return float(np.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * 111_320.0))


def _direction(here: list[str | None], ahead: list[str | None], behind: list[str | None]) -> str | None:
    at = next((c for c in here if c), None)
    if at is None:
        return None
    to = next((c for c in ahead if c and c != at), None)
    if to is not None:
        return f"{at}往{to}方向"
    frm = next((c for c in behind if c and c != at), None)
    return f"{frm}往{at}方向" if frm is not None else None


def exit_name(toll_station: str | None, node_label: str | None) -> str | None:
    """How a bulletin names an exit: '衡山南收费站', else the interchange's name."""
    if toll_station:
        return toll_station if toll_station.endswith("收费站") else f"{toll_station}收费站"
    return node_label or None


def short_stake(text: str | None) -> str | None:
    """'K1617+000' → 'K1617' (whole kilometres as bulletins write them); other stakes as they are."""
    if text and text.endswith("+000"):
        return text[:-4]
    return text


def closure_board_variants(
    *,
    where: str,
    reason_zh: str,
    exit_at: str | None,
    via: str | None,
    through: bool,
    junction: str | None = None,
    entry: str | None = None,
) -> list[list[str]]:
    """Phrase variants, longest first, for a sign upstream of a closure: `through` for a sign before
    the far diversion point (through traffic leaves there), else the near exit; no exit: slow down.
    Off expressways traffic turns off at a junction (`junction`, '在K144+357路口'), not an exit, and where the
    detour takes an expressway it enters at a toll station (`entry`)."""
    head = f"前方{where}{reason_zh}封闭"
    if junction is not None and entry is not None and via:
        # off an expressway, a detour over one: where to enter it ('请经攸县收费站驶入G72绕行')
        return [
            [head, f"请经{entry}驶入{via}绕行"],
            [f"前方{where}", f"{reason_zh}封闭", f"请经{entry}驶入{via}"],
            [f"前方{where}封闭", f"请经{entry}", f"驶入{via}绕行"],
            [f"前方{reason_zh}封闭", f"请经{entry}", f"驶入{via}绕行"],
            [f"前方{reason_zh}封闭", f"经{entry}驶入{via}"],
        ]
    if junction is not None:
        who = "过境车辆" if through else ""
        turn = f"经{via}绕行" if via else "绕行"
        at = short_stake(junction) or junction
        return [
            [head, f"{who}请在{at}路口{turn}"],
            [head, f"请在{at}路口{turn}"],
            [f"前方{where}", f"{reason_zh}封闭", f"请在{at}路口{turn}"],
            [f"前方{reason_zh}封闭", f"请在{at}路口{turn}"],
            [f"前方{where}封闭", f"请在{at}路口", turn],  # a small board: the junction on a line of its own
            [f"前方{reason_zh}封闭", f"请在{at}路口", turn],
            [f"前方{reason_zh}封闭", f"{at}路口{turn}"],
        ]
    if exit_at is None:
        return [[head, "减速慢行", "听从现场指挥"], [head, "减速慢行"], [f"前方{reason_zh}封闭", "减速慢行"]]
    who = "过境车辆" if through else ""
    hub = hub_name(exit_at)
    if hub is not None:
        # A hub interchange (枢纽互通) has no toll station: traffic changes expressway there, it does not
        # leave one ('请在衡阳东枢纽转S61绕行', not '…驶离').
        onto = f"转{via}" if via else "转道"
        return [
            [head, f"{who}请在{hub}{onto}绕行"],
            [head, f"请在{hub}{onto}绕行"],
            [head, f"请在{hub}{onto}"],
            [f"前方{where}", f"{reason_zh}封闭", f"请在{hub}{onto}"],
            [f"前方{where}封闭", f"请在{hub}{onto}"],  # the stakes matter more to a driver than the reason
            [f"前方{reason_zh}封闭", f"请在{hub}{onto}"],
            [f"前方{reason_zh}封闭", f"{hub}{onto}"],
        ]
    via_phrase = [f"经{via}绕行"] if via else []
    split = [f"前方{where}", f"{reason_zh}封闭"]
    return [
        [head, f"{who}请从{exit_at}驶离", *via_phrase],
        [head, f"请从{exit_at}驶离", *via_phrase],
        [head, f"请从{exit_at}驶离"],
        [*split, f"请从{exit_at}驶离"],
        [f"前方{where}封闭", f"请从{exit_at}驶离"],  # the stakes matter more to a driver than the reason
        [f"前方{reason_zh}封闭", f"{who}请从{exit_at}驶离"],
        [f"前方{reason_zh}封闭", f"请从{exit_at}驶离"],
        [f"前方{reason_zh}封闭", f"{exit_at}驶离"],
    ]


def restriction_board_variants(*, where: str, reason_zh: str, speed_kmh: int | None, gap_m: float | None) -> list:
    """Phrase variants, longest first, for a sign upstream of a speed restriction."""
    speed = [f"限速{speed_kmh}公里/小时"] if speed_kmh else []
    gap = [f"车距保持{gap_m:.0f}米以上"] if gap_m else []
    short_gap = [f"车距{gap_m:.0f}米以上"] if gap_m else []
    both = [f"限速{speed_kmh} 车距{gap_m:.0f}米"] if speed_kmh and gap_m else [*speed, *short_gap]
    return [
        [f"前方{where}{reason_zh}路段", *speed, *gap],
        [f"前方{where}", f"{reason_zh}路段", *speed, *gap],
        [f"前方{reason_zh}路段", *speed, *short_gap],
        [f"前方{reason_zh}路段", *both],
        [f"{reason_zh}限速{speed_kmh or ''}", *short_gap],
    ]


def board_feature(sign: Any, board: Board, *, stream: int, direction: str, metres: float, **extra: Any) -> dict:
    """The GeoJSON feature of one real sign and its message."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(float(sign.lon), 7), round(float(sign.lat), 7)]},
        "properties": {
            "role": "sign",
            "stream": stream,
            "direction": direction,
            "sign_id": int(sign.id),
            "sign_name": sign.name,
            "stake": format_stake(float(sign.stake_m)) if sign.stake_m is not None else None,
            "lines": sign.lines,
            "chars_per_line": sign.chars_per_line,
            "distance_to_closure_m": round(metres, 1),
            "message_lines": board.lines,
            "message_zh": board.text,
            "fits": board.fits,
            **extra,
        },
    }
