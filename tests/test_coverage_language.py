"""Reports, CSV and suggestions read wholly in the language asked for, and suggestions name the plan's
priorities they serve and are weighted by them (issue 13), over HTTP on the hand-made network."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_coverage_fixtures import build_coverage_network

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    return engine


def _visible_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _area_names(client) -> set[str]:
    body = client.get("/coverage/report", query_string={"year": 2019}).get_json()
    return {a["name"] for a in body["areas"]}


def test_chinese_html_report_has_the_plans_title_and_no_english_word(client, network):
    resp = client.get("/coverage/report", query_string={"year": 2019, "format": "html", "lang": "zh-CN"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    text = _visible_text(resp.get_data(as_text=True))
    assert "《湖南省道路交通安全“道安监管云”建设工作方案》（湘政办发〔2017〕26号）" in text
    assert "统计口径" in text and "建设量" in text and "存量" in text
    # Route codes (G60), stakes (K13+000) and the UTC stamp are the only Latin letters a reader meets.
    assert [w for w in LATIN_WORD.findall(text) if w != "UTC"] == []


def test_english_html_report_has_no_chinese_beyond_place_names(client, network):
    resp = client.get("/coverage/report", query_string={"year": 2019, "format": "html", "lang": "en"})
    assert resp.status_code == 200
    text = _visible_text(resp.get_data(as_text=True))
    for name in sorted(_area_names(client), key=len, reverse=True):
        text = text.replace(name, " ")
    assert CJK.findall(text) == []
    assert (
        "construction: put into service 2017-05-22 to 2019-12-31" in text and "Xiang Zheng Ban Fa [2017] No. 26" in text
    )


def test_csv_headers_and_words_follow_lang(client, network):
    def rows(lang: str) -> list[list[str]]:
        resp = client.get("/coverage/report", query_string={"year": 2017, "format": "csv", "lang": lang})
        assert resp.status_code == 200
        return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))

    zh = rows("zh-CN")
    assert all(CJK.search(h) for h in zh[0]), zh[0]
    head = zh[0]
    row = next(r for r in zh[1:] if r[head.index("指标")] == "高速公路视频监控点位数" and r[head.index("级别")] == "省")
    assert row[head.index("是否达标")] == "否" and row[head.index("道路")] == "高速公路"
    assert row[head.index("统计口径")].startswith("建设量")
    for r in zh[1:]:  # every cell of words is Chinese: level, roads, unit, counts, met
        for column in ("级别", "道路", "单位", "统计口径", "是否达标"):
            assert not LATIN_WORD.search(r[head.index(column)]), (column, r)
    en = rows("en")
    assert not any(CJK.search(h) for h in en[0]) and "Met" in en[0]
    assert all(not CJK.search(r[en[0].index("Level")]) for r in en[1:])
    assert client.get("/coverage/report", query_string={"format": "csv", "lang": "fr"}).status_code == 422


def test_suggestion_texts_follow_lang_and_name_the_priority(client, network):
    zh = client.get("/coverage/suggest", query_string={"kind": "camera", "year": 2019, "lang": "zh-CN"}).get_json()
    g60 = [f["properties"] for f in zh["features"] if f["properties"]["route_code"] == "G60"]
    assert g60 and all("national_trunk" in p["priorities"] for p in g60)
    assert all("国家主干高速为重点" in p["text"] and not LATIN_WORD.search(p["text"]) for p in g60)
    assert any(p["text"].startswith("G60下行 K") for p in g60)
    en = client.get("/coverage/suggest", query_string={"kind": "camera", "year": 2019, "lang": "en"}).get_json()
    assert all(not CJK.search(f["properties"]["text"]) for f in en["features"])
    # G107 is a national road, not a national expressway: no trunk priority; its K12–K40 gap crosses the fog zone.
    g107 = {p["gap_id"]: p for p in (f["properties"] for f in zh["features"]) if p["route_code"] == "G107"}
    assert all("national_trunk" not in p["priorities"] for p in g107.values())
    assert any(p["priorities"] == ["danger"] and "危险路段优先" in p["text"] for p in g107.values())
    # The features come in priority order.
    weights = [f["properties"]["priority_weight"] for f in zh["features"]]
    assert weights == sorted(weights, reverse=True)


def test_a_budget_goes_to_the_priority_first(client, network):
    # Two cameras: unweighted, two 20 km gaps (G107 K40–K60, S312) close 40 km; G107 K12–K40 (28 km,
    # 2 cameras) is a dangerous section (fog zone K18–K28), weighted 2: 56 > 40, so it is chosen.
    body = client.get("/coverage/suggest", query_string={"kind": "camera", "year": 2019, "budget": 2}).get_json()
    s = body["summary"]
    assert s["gaps_closed"] == 1 and s["objective"] == pytest.approx(28.0)
    assert s["weighted_objective"] == pytest.approx(56.0)
    assert {f["properties"]["route_code"] for f in body["features"]} == {"G107"}


def test_station_suggestions_in_chinese_say_monitoring_station(client, network):
    body = client.get(
        "/coverage/suggest", query_string={"kind": "weather_station", "year": 2019, "lang": "zh-CN"}
    ).get_json()
    texts = [f["properties"]["text"] for f in body["features"]]
    assert texts and all("气象监测站" in t and "检测站" not in t for t in texts)
    enf = client.get(
        "/coverage/suggest", query_string={"kind": "enforcement_station", "year": 2019, "lang": "zh-CN"}
    ).get_json()
    assert all(not LATIN_WORD.search(f["properties"]["text"]) for f in enf["features"])
