"""A self-contained HTML report for planners' meetings: per-city table, compliance chart and gap map (inline SVG)."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from planning.labels import metric_label, word

GROUP_COLOURS = {"expressway": "#c0392b", "national_provincial": "#2471a3"}
_CSS = """
body{font-family:"Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td.name,th.name{text-align:left}.met{color:#1e8449}.miss{color:#c0392b}.na{color:#999}
.note{color:#555;font-size:.85em}svg text{font-size:12px}
"""


SHANGHAI = ZoneInfo("Asia/Shanghai")
HUNAN_CITIES = 14  # 市州 of Hunan: a province row over fewer (a demo of a few cities) says whose it is


def local_stamp(lang: str, now: datetime | None = None) -> str:
    """When the report was made, in Beijing time with its offset ('2026-12-06 11:37（北京时间，UTC+08:00）')."""
    at = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    text = at.strftime("%Y-%m-%d %H:%M")
    return f"{text}（北京时间，UTC+08:00）" if lang.startswith("zh") else f"{text} (Beijing time, UTC+08:00)"


def area_title(area: dict[str, Any], areas: list[dict[str, Any]], lang: str) -> str:
    """An area's name; the province row over the cities of part of the province says which it covers
    ('湖南省（仅含长沙市、株洲市、湘潭市）'), so a demo's totals are not read as the province's."""
    name = area["name"]
    if area.get("level") != "province":
        return name
    cities = [a["name"] for a in areas if a.get("level") == "city"]
    if not cities or len(cities) >= HUNAN_CITIES:
        return name
    if lang.startswith("zh"):
        return f"{name}（仅含{'、'.join(cities)}，共{len(cities)}个市州）"
    from routing.romanise import romanise

    return f"{name} (only {', '.join(romanise(c) for c in cities)}: {len(cities)} of {HUNAN_CITIES} cities)"


def _fmt(metric: dict[str, Any], value: Any, lang: str = "zh-CN") -> str:
    if value is None:
        return "—"
    unit = metric.get("unit")
    if unit == "has_centre":  # a county's own centre: built or not, not a number
        return word("yes" if value else "no", lang)
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "km_per_point":
        return f"{value:.1f} {word('km', lang)}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _cell(metric: dict[str, Any] | None, lang: str = "zh-CN") -> str:
    if metric is None:
        return '<td class="na">—</td>'
    mark = {True: ("met", "✓"), False: ("miss", "✗"), None: ("na", "")}[metric["met"]]
    target = "" if metric["target"] is None else f" / {_fmt(metric, metric['target'], lang)}"
    return f'<td class="{mark[0]}">{html.escape(_fmt(metric, metric["value"], lang) + target)} {mark[1]}</td>'


def _bar_chart(areas: list[dict[str, Any]]) -> str:
    """Horizontal bars: share of applicable metrics met, one per area."""
    row_h, label_w, bar_w = 22, 110, 520
    height = row_h * len(areas) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" role="img">']
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 20}" stroke="#ddd"/>')
        parts.append(f'<text x="{x}" y="{height - 5}" text-anchor="middle">{pct}%</text>')
    for i, area in enumerate(areas):
        c = area["compliance"]
        share = c["share"] or 0.0
        y = i * row_h + 4
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(area["name"])}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{bar_w * share:.1f}" height="{row_h - 6}" '
            f'fill="{"#1e8449" if share >= 1 else "#2471a3"}"/>'
        )
        parts.append(f'<text x="{label_w + bar_w * share + 4:.1f}" y="{y + 13}">{c["met"]}/{c["applicable"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _lines(geometry: dict[str, Any] | None) -> Iterable[list[list[float]]]:
    if not geometry:
        return []
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return [coords]
    if kind in ("MultiLineString", "Polygon"):
        return coords
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def _map(gaps: list[dict[str, Any]], outlines: list[dict[str, Any]], lang: str = "zh-CN") -> str:
    """Gap lines over area outlines, projected equirectangularly at the mean latitude."""
    lines = [(f, line) for f in gaps for line in _lines(f.get("geometry"))]
    rings = [(f, ring) for f in outlines for ring in _lines(f.get("geometry"))]
    points = [p for _f, line in lines + rings for p in line]
    if not points:
        return f'<p class="note">{"无监控空白路段。" if lang.startswith("zh") else "No gap to map."}</p>'
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    k = math.cos(math.radians((min_y + max_y) / 2))
    width = 900.0
    scale = width / max((max_x - min_x) * k, 1e-9)
    height = max((max_y - min_y) * scale, 50.0)

    def path(coords: list[list[float]]) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{(x - min_x) * k * scale:.1f},{(max_y - y) * scale:.1f}"
            for i, (x, y, *_rest) in enumerate(coords)
        )

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" role="img">']
    for f, ring in rings:
        title = html.escape(str(f["properties"].get("name", "")))
        parts.append(
            f'<path d="{path(ring)} Z" fill="#fafafa" stroke="#aaa" stroke-width="0.8"><title>{title}</title></path>'
        )
    for f, line in lines:
        p = f["properties"]
        colour = GROUP_COLOURS.get(p.get("roads", ""), "#7d3c98")
        direction = p.get("direction", "")
        if lang.startswith("zh"):
            direction = {"up": "上行", "down": "下行", "both": ""}.get(direction, direction)
            text = (
                f"{p.get('route_code')}{direction} {p.get('from_stake')}至{p.get('to_stake')} "
                f"{p.get('length_m', 0) / 1000:.1f}公里，需新增{p.get('cameras_needed', '?')}个点位"
            )
        else:
            text = (
                f"{p.get('route_code')} {direction} {p.get('from_stake')}–{p.get('to_stake')} "
                f"{p.get('length_m', 0) / 1000:.1f} km, +{p.get('cameras_needed', '?')}"
            )
        title = html.escape(text)
        parts.append(
            f'<path d="{path(line)}" fill="none" stroke="{colour}" stroke-width="2"><title>{title}</title></path>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _basis(head: dict[str, Any], report: dict[str, Any], lang: str) -> str:
    """Per metric: what it counts (construction since the plan's start or the stock at the year's end) and,
    for camera spacing, the shortfall read one way: the density's centreline shortfall against the strict
    per-carriageway gaps."""
    zh = lang.startswith("zh")
    baseline = report.get("standard", {}).get("baseline", "")
    at = report.get("measured_at", "")
    rows = []
    for key, m in head["metrics"].items():
        counts = m["standard"].get("counts", "stock")
        if counts == "construction":
            since = m["standard"].get("since") or baseline
            what = f"建设量：{since}至{at}新建投用" if zh else f"construction: put into service {since} to {at}"
            if "stock" in m:
                what += f"（年末在用{m['stock']}）" if zh else f" ({m['stock']} in service at year end)"
        else:
            what = f"存量：{at}在用" if zh else f"stock in service on {at}"
        b = m.get("basis")
        if b:
            if zh:
                what += (
                    f"。密度按道路中心线计（里程只计一次，两个方向的点位都计入），按目标标准缺少{b['shortfall']}个点位；"
                    f"监控空白{word(b['gaps'], lang)}计，逐个消除需新增{b['strict_cameras']}个"
                    + ("（已包含上述缺口）" if b["strict_includes_shortfall"] else "")
                    + "。缺口以前者为准，后者为更严的逐段要求"
                )
            else:
                what += (
                    f". Density on the centreline (each stretch once, points of both carriageways): "
                    f"{b['shortfall']} points short of the target; gaps {word(b['gaps'], lang)}: "
                    f"{b['strict_cameras']} new cameras close them"
                    + (" (this includes the shortfall)" if b["strict_includes_shortfall"] else "")
                    + ". The shortfall is the former; the latter is the stricter stretch-by-stretch reading"
                )
        rows.append(
            f'<tr><td class="name">{html.escape(metric_label(key, lang))}</td><td class="name">{html.escape(what)}</td></tr>'
        )
    title = "统计口径" if zh else "What each metric counts"
    head_row = (
        '<tr><th class="name">指标</th><th class="name">口径</th></tr>'
        if zh
        else ('<tr><th class="name">Metric</th><th class="name">Basis</th></tr>')
    )
    return f"<h2>{title}</h2><table>{head_row}{''.join(rows)}</table>"


_DIRECTION = {"up": ("上行", "up"), "down": ("下行", "down"), "both": ("双向", "both")}


def _black_spots(spots: list[dict[str, Any]], lang: str) -> str:
    """The stored black spots (window method, the police criteria), best first."""
    zh = lang.startswith("zh")
    t = (lambda a, b: a) if zh else (lambda a, b: b)
    title = f"<h2>{t('事故多发点段', 'Accident black spots')}</h2>"
    if not spots:
        return (
            title
            + f'<p class="note">{t("尚无事故多发点段记录（daoan analysis blackspots --store）。", "No black spots stored (daoan analysis blackspots --store).")}</p>'
        )
    from analysis.blackspot_criteria import criteria  # the rules the window method applied, cited below

    crit = criteria()
    w = crit.weights
    numbers = {r.id: "①②③④⑤⑥⑦⑧⑨"[i] if i < 9 else f"({i + 1})" for i, r in enumerate(crit.rules)}
    first = spots[0]
    bj = timezone(timedelta(hours=8))  # periods are read as Beijing days; the end is exclusive
    end = first["period_end"].astimezone(bj) - timedelta(seconds=1)
    period = f"{first['period_start'].astimezone(bj):%Y-%m-%d} {t('至', 'to')} {end:%Y-%m-%d}"
    head = "".join(
        f"<th>{h}</th>"
        for h in (t("排名", "Rank"), t("路线", "Route"), t("方向", "Direction"), t("桩号", "Stakes"),
                  t("事故起数", "Accidents"), t("死亡事故", "Fatal"), t("死亡人数", "Deaths"),
                  t("受伤人数", "Injured"), t("当量事故（起/年）", "Weighted accidents/yr"), t("认定依据", "Criteria"))
    )  # fmt: skip
    rows = "".join(
        f'<tr><td>{s["rank"]}</td><td class="name">{html.escape(str(s["route_code"]))}</td>'
        f"<td>{_DIRECTION.get(s['direction'], (s['direction'],) * 2)[0 if zh else 1]}</td>"
        f"<td>{html.escape(str(s['from_stake']))}{t('至', '–')}{html.escape(str(s['to_stake']))}</td>"
        f"<td>{s['accidents']}</td><td>{s['fatal']}</td><td>{s['deaths']}</td><td>{s['injuries']}</td>"
        f"<td>{s['score']:.1f}</td><td>{_rule_marks(s.get('criteria'), numbers)}</td></tr>"
        for s in spots
    )
    note = t(
        f"统计期 {period}；滑动窗口法（窗口每{crit.step_m:g}米滑动一次），认定条件{crit.source_zh}："
        + "；".join(f"{numbers[r.id]} {r.name_zh}" for r in crit.rules)
        + f"。排名按当量事故数/年（死亡事故{w['fatal']:g}、伤人事故{w['injury']:g}、财产损失事故{w['property']:g}，"
        f"本系统默认权重）。列出前 {len(spots)} 处。",
        f"Period {period}; sliding window (every {crit.step_m:g} m), criteria {crit.source_en}: "
        + "; ".join(f"{numbers[r.id]} {r.name_en()}" for r in crit.rules)
        + f". Ranked by weighted accidents a year (fatal {w['fatal']:g}, injury {w['injury']:g}, property damage "
        f"{w['property']:g}: this system's default weights). Best {len(spots)} listed.",
    )
    return f'{title}<p class="note">{html.escape(note)}</p><table><tr>{head}</tr>{rows}</table>'


def _rule_marks(ids: object, numbers: dict[str, str]) -> str:
    """The rules a stored spot met ('point_accidents,point_fatal') as the note's numbers (①②)."""
    return "".join(numbers.get(i, html.escape(i)) for i in str(ids or "").split(",") if i)


def report_html(
    report: dict[str, Any],
    gaps: dict[str, Any],
    outlines: list[dict[str, Any]] | None = None,
    *,
    lang: str = "zh-CN",
    printed: bool = False,
    black_spots: list[dict[str, Any]] | None = None,
) -> str:
    """The whole report as one HTML document (no external resources); `printed` opens the folded
    per-county table, as on paper nothing can be unfolded. `black_spots` (internal data: only for a
    reader with a token) adds the section of stored black spots."""
    areas = report["areas"]
    head = areas[0]
    cities = [a for a in areas if a["level"] == "city"] or [head]
    keys = list(head["metrics"])
    zh = lang.startswith("zh")
    t = (lambda a, b: a) if zh else (lambda a, b: b)
    s = report["standard"]
    stamp = local_stamp(lang)
    header_cells = "".join(f"<th>{html.escape(metric_label(k, lang))}</th>" for k in keys)

    def table(rows: list[dict[str, Any]]) -> str:
        body = "".join(
            f'<tr><td class="name">{html.escape(area_title(a, areas, lang))} <span class="na">{a["adcode"]}</span></td>'
            f"<td>{a['compliance']['met']}/{a['compliance']['applicable']}</td>"
            + "".join(_cell(a["metrics"].get(k), lang) for k in keys)
            + "</tr>"
            for a in rows
        )
        return f'<table><tr><th class="name">{t("地区", "Area")}</th><th>{t("达标", "Met")}</th>{header_cells}</tr>{body}</table>'

    counties = [a for a in areas if a["level"] == "county"]
    gap_features = gaps.get("features", [])
    needed = sum(int(f["properties"].get("cameras_needed", 0)) for f in gap_features)
    return "".join(
        [
            f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">',
            f"<title>{t('道安监管云 覆盖率报告', 'Coverage report')} {report['year']}</title><style>{_CSS}</style></head><body>",
            f"<h1>{t('道路交通安全监管覆盖率报告', 'Road-safety supervision coverage report')} — {report['year']}</h1>",
            f'<p class="note">{t("标准", "Standard")}{t("：", ": ")}{html.escape(t(s.get("title"), s.get("title_en")) or s["name"])} '
            f"({t('版本', 'version')} {html.escape(s['version'])}){t('；', '; ')}"
            f"{t('地区', 'area')}{t('：', ': ')}{html.escape(area_title(head, areas, lang))} {head['adcode']}{t('；', '; ')}"
            f"{t('统计时点', 'measured at')}{t('：', ': ')}{html.escape(str(report.get('measured_at', '')))}"
            f"{t('；', '; ')}{t('生成时间', 'generated')} {stamp}{t('。', '.')}</p>",
            _basis(head, report, lang),
            f"<h2>{t('各市州达标情况', 'Compliance by city')}</h2>",
            _bar_chart(cities),
            f"<h2>{t('分市州指标', 'Per-city table')}</h2>",
            table([head, *[c for c in cities if c is not head]]),
            f"<h2>{t('视频监控间距缺口', 'Camera spacing gaps')}</h2>",
            f'<p class="note">{len(gap_features)} {t("处监控空白，逐个行车方向消除最少需新增", "gaps; fewest new cameras to close them per carriageway:")} '
            f"{needed}{t('个点位', '')}{t('。', '.')} <span style='color:{GROUP_COLOURS['expressway']}'>■</span> "
            f"{t('高速公路', 'expressway')} <span style='color:{GROUP_COLOURS['national_provincial']}'>■</span> "
            f"{t('国省道', 'national/provincial')}</p>",
            _map(gap_features, outlines or [], lang),
            (
                f"<details{' open' if printed else ''}><summary>{t('分县市区指标', 'Per-county table')}</summary>{table(counties)}</details>"
                if counties
                else ""
            ),  # fmt: skip
            _black_spots(black_spots, lang) if black_spots is not None else "",
            "</body></html>",
        ]
    )
