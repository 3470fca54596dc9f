"""The coverage answers as a provincial planner reads them in Chinese (issue 13's second review): the
scope of a province row over part of the province, Beijing time, 是/否 for a county's own centre,
the bases of the camera-spacing columns in the CSV, the method and proof of a suggestion in Chinese,
construction labels for counted-since-the-plan metrics and 执法服务点 throughout."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_coverage_fixtures import build_coverage_network

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    return engine


def _text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_html_report_says_beijing_time_the_scope_and_yes_no(client, network):
    body = client.get("/coverage/report", query_string={"year": 2019}).get_json()
    cities = [a["name"] for a in body["areas"] if a["level"] == "city"]
    page = client.get("/coverage/report", query_string={"year": 2019, "format": "html", "lang": "zh-CN"})
    text = _text(page.get_data(as_text=True))
    assert "（北京时间，UTC+08:00）" in text and " UTC。" not in text
    assert len(cities) < 14 and f"仅含{'、'.join(cities)}，共{len(cities)}个市州" in text
    counties = [a for a in body["areas"] if a["level"] == "county"]
    built = [a["metrics"]["all.command_county_share"]["value"] for a in counties]
    assert set(built) <= {0, 1} and built
    rows = re.findall(r'<tr><td class="name">.*?</tr>', page.get_data(as_text=True))
    county_rows = [r for r in rows if any(f">{a['adcode']}<" in r for a in counties)]
    assert county_rows and all(re.search(r"<td class=\"na\">[是否] </td>", r) for r in county_rows), county_rows[:1]


def test_the_csv_states_the_spacing_bases_and_yes_no(client, network):
    resp = client.get("/coverage/report", query_string={"year": 2019, "format": "csv", "lang": "zh-CN"})
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    head = rows[0]
    assert "点位密度口径" in head and "监控空白口径" in head
    spacing = [r for r in rows[1:] if r[head.index("指标")] == "高速公路视频点位间距"]
    stated = [r for r in spacing if r[head.index("点位密度口径")]]  # areas with expressway to measure
    assert any(r[head.index("级别")] == "省" for r in stated)
    assert all(r[head.index("点位密度口径")] == "按道路中心线" for r in stated)
    assert all(r[head.index("监控空白口径")] == "按行车方向" for r in stated)
    centre = [
        r for r in rows[1:] if r[head.index("指标")] == "县级指挥中心建成比例" and r[head.index("级别")] == "县市区"
    ]
    assert centre and all(r[head.index("现状值")] in ("是", "否") for r in centre), centre[:2]
    province = next(r for r in rows[1:] if r[head.index("级别")] == "省")
    assert "仅含" in province[head.index("地区")]
    labels = {r[head.index("指标")] for r in rows[1:]}
    assert "高速公路雾冰路段气象监测设施新增套数" in labels and "高速公路执法服务点新建数" in labels


def test_suggestions_read_wholly_in_chinese_with_the_plans_term(client, network):
    cam = client.get("/coverage/suggest", query_string={"kind": "camera", "year": 2019, "lang": "zh-CN"}).get_json()
    s = cam["summary"]
    assert CJK.search(s["method"]) and CJK.search(s["proof"]) and "ceil" in s["proof_en"]
    en = client.get("/coverage/suggest", query_string={"kind": "camera", "year": 2019, "lang": "en"}).get_json()
    assert not CJK.search(en["summary"]["method"] + en["summary"]["proof"])
    st = client.get(
        "/coverage/suggest", query_string={"kind": "enforcement_station", "year": 2019, "lang": "zh-CN"}
    ).get_json()
    texts = [f["properties"]["text"] for f in st["features"]]
    assert texts and all("执法服务点" in t and "执法服务站" not in t for t in texts), texts
    rule_texts = [t for f in st["features"] for t in f["properties"]["rule_texts"]]
    assert rule_texts and all(CJK.search(t) and not re.search(r"[A-Za-z]{3,}", t) for t in rule_texts)
