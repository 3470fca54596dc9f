"""Black spots: sliding window (criteria from the data file), empirical Bayes (NB SPF, PSI), the
layer and derived hazard zones, GET /analysis/blackspots and `daoan analysis blackspots`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from analysis.blackspot_criteria import criteria
from analysis.blackspots import find, make_scope, store
from tests.conftest import auth

BJ = timezone(timedelta(hours=8))
START, END = datetime(2019, 1, 1, tzinfo=BJ), datetime(2022, 1, 1, tzinfo=BJ)  # three years


def _road(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO road_nodes (id, geom) VALUES (1, ST_SetSRID(ST_MakePoint(112.9, 28.2), 4326)), "
            "(2, ST_SetSRID(ST_MakePoint(113.0, 28.2), 4326))"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO road_segments (road_class, route_code, name, default_speed_kmh, length_m, "
            "start_stake_m, end_stake_m, county_adcode, source_node, target_node, geom) "
            "SELECT 'national', 'G107', '107国道', 70, ST_Length(g::geography), 0, 10000, '430104', 1, 2, g "
            "FROM ST_GeomFromText('LINESTRING(112.9 28.2, 113.0 28.2)', 4326) AS g"
        )
    )


def _accident(conn: sa.Connection, n: int, stake_m: float, deaths: int, injuries: int, when: datetime) -> None:
    lon = 112.9 + 0.1 * stake_m / 10000
    conn.execute(
        sa.text(
            "INSERT INTO accidents (occurred_at, deaths, injuries, route_code, stake_m, segment_id, county_adcode, "
            "source_id, geom) VALUES (:t, :d, :i, 'G107', :s, (SELECT min(id) FROM road_segments), '430104', :id, "
            "ST_SetSRID(ST_MakePoint(:lon, 28.2), 4326))"
        ),
        {"t": when, "d": deaths, "i": injuries, "s": stake_m, "id": f"T{n}", "lon": lon},
    )


@pytest.fixture()
def spots_db(empty_db: sa.Engine) -> sa.Engine:
    """G107 K0–K10 with two clusters over 2019–2021: three fatal accidents at K2+100–K2+300 and forty
    property-damage accidents at K5+000–K5+390, plus one accident at every whole kilometre."""
    rng = np.random.default_rng(7)
    n = 0
    with empty_db.begin() as conn:
        _road(conn)
        for k in range(3):
            n += 1
            _accident(conn, n, 2100 + 100 * k, 1, 0, START + timedelta(days=200 * k + 10))
        for k in range(40):
            n += 1
            _accident(conn, n, 5000 + 10 * k, 0, 0, START + timedelta(days=int(rng.integers(0, 1090))))
        for km in range(10):
            n += 1
            _accident(conn, n, km * 1000 + 500, 0, 1, START + timedelta(days=30 * km + 5))
        _accident(conn, 999, 5100, 0, 0, END + timedelta(days=5))  # outside the period
    return empty_db


def test_window_finds_both_clusters_by_the_data_file_rules(spots_db: sa.Engine) -> None:
    found = find(spots_db, "window", make_scope(spots_db, START, END))
    assert found.accidents_counted == 53
    assert [(s.rank, s.criteria) for s in found.spots] == [(1, ["point_accidents"]), (2, ["point_fatal"])]
    first, second = found.spots
    assert first.from_stake_m <= 5000 and first.to_stake_m >= 5390 and first.to_stake_m - first.from_stake_m == 500
    assert first.accidents >= 40 and first.property >= 40
    w = criteria().weights
    years = (END - START).days / 365.25
    assert first.score == pytest.approx((first.property * w["property"] + first.injury * w["injury"]) / years)
    assert second.fatal == 3 and second.deaths == 3 and second.from_stake_m <= 2100 and second.to_stake_m > 2300
    assert first.geometry is not None and first.geometry["type"] == "MultiLineString"
    # over one year the point rule needs 12 and the fatal rule 1 (thresholds scale with the period)
    one = find(spots_db, "window", make_scope(spots_db, START, START + timedelta(days=365)))
    assert {r.id: r.threshold(365 / 365.25) for r in criteria().rules}["point_accidents"] == 12
    assert all(s.accidents >= 1 for s in one.spots)


def test_eb_ranks_by_potential_for_safety_improvement(spots_db: sa.Engine) -> None:
    found = find(spots_db, "eb", make_scope(spots_db, START, END))
    top = found.spots[0]
    assert (top.from_stake_m, top.to_stake_m) == (5000, 6000)
    assert top.predicted is not None and top.expected is not None
    assert top.predicted < top.expected < top.accidents  # shrunk towards the SPF
    assert top.score == pytest.approx(top.expected - top.predicted)
    assert [s.score for s in found.spots] == sorted((s.score for s in found.spots), reverse=True)
    (spf,) = found.spfs
    assert spf.pooled and spf.alpha > 0  # ten sites: fewer than min_sites, the all-classes SPF
    assert spf.rate_per_km_year == pytest.approx(53 / (10 * (END - START).days / 365.25), rel=0.05)


def test_store_fills_the_layer_and_derives_hazard_zones(spots_db: sa.Engine, client) -> None:
    found = find(spots_db, "window", make_scope(spots_db, START, END))
    assert store(spots_db, found) == 2
    with spots_db.connect() as conn:
        zones = conn.execute(
            sa.text("SELECT name, severity, source FROM hazard_zones WHERE kind = 'blackspot' ORDER BY name")
        ).all()
        ranks = conn.execute(sa.text("SELECT rank, from_stake, kind FROM black_spots ORDER BY rank")).all()
    assert [tuple(r) for r in ranks] == [(1, "K5+000", "point"), (2, "K2+000", "point")] or ranks[0][0] == 1
    assert len(zones) == 2 and all(z.source == "black_spots" and z.severity == 5 for z in zones)
    assert any("事故多发点" in z.name for z in zones)
    assert client.get("/collections/black_spots/items").status_code == 401
    assert len(client.get("/collections/black_spots/items", headers=auth()).get_json()["features"]) == 2


def test_derived_zones_name_the_direction_and_carry_the_spots_own_stakes(spots_db: sa.Engine) -> None:
    """A duty officer reads the zone's name and the /route warning: the direction (上行/下行) and the
    black spot's own stakes, not the stakes of the kilometres-long segments the zone touches."""
    from gis.sqlfiles import load_sql

    store(spots_db, find(spots_db, "window", make_scope(spots_db, START, END)))
    with spots_db.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT z.id, z.name, z.properties, b.direction, b.from_stake, b.to_stake, b.from_stake_m, "
                "b.to_stake_m, b.kind FROM hazard_zones z JOIN black_spots b ON b.id = "
                "(z.properties ->> 'black_spot_id')::bigint WHERE z.kind = 'blackspot'"
            )
        ).all()
        seen = {r.zone_id: (r.from_stake_m, r.to_stake_m) for r in conn.execute(
            sa.text(load_sql("queries/routing_hazard_segments.sql")))}  # fmt: skip
    assert len(rows) == 2
    for r in rows:
        way = {"up": " 上行 ", "down": " 下行 "}.get(r.direction, " ")
        tail = "点" if r.kind == "point" else "段"
        assert r.name == f"G107{way}{r.from_stake}至{r.to_stake} 事故多发{tail}"
        assert r.properties["direction"] == r.direction
        assert seen[r.id] == (r.from_stake_m, r.to_stake_m)  # the road segment runs K0–K10


@pytest.mark.parametrize(
    ("query", "status", "parameter"),
    [
        ("method=kde", 400, "method"),
        ("datetime=yesterday", 400, "datetime"),
        ("datetime=2022-01-01/2021-01-01", 400, "datetime"),
        ("datetime=2021-01-01", 400, "datetime"),
        ("bbox=1,2,3", 400, "bbox"),
        ("area=12", 400, "area"),
        ("area=110000", 422, "area"),
        ("road_class=motorway", 400, "road_class"),
        ("limit=0", 400, "limit"),
        ("limit=1e400", 400, "limit"),
    ],
)
def test_bad_parameters_are_named(spots_db: sa.Engine, client, query: str, status: int, parameter: str) -> None:
    resp = client.get(f"/analysis/blackspots?{query}", headers=auth())
    assert resp.status_code == status, resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["parameter"] == parameter


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("method=kde", "window, eb, nkde"),
        ("datetime=2021-01-01", "2021-01-01/2023-12-31"),
        ("datetime=2022-01-01/2021-01-01", "早于"),
        ("area=12", "6位行政区划代码"),
        ("area=110000", "湖南"),
        ("road_class=motorway", "逗号分隔"),
        ("limit=0", "1～1000之间的整数"),
        ("method=nkde&bandwidth=abc", "10～5000之间的数字"),
        ("method=nkde&bandwidth=100&lixel=200", "不得大于 bandwidth"),
    ],
)
def test_bad_parameters_say_the_fix_in_chinese(spots_db: sa.Engine, client, query: str, says: str) -> None:
    """A zh-CN reader gets the fix itself, not "正确写法见 detail_en"."""
    body = client.get(f"/analysis/blackspots?{query}&lang=zh-CN", headers=auth()).get_json()
    assert says in body["detail"] and "detail_en" not in body["detail"], body
    assert body["detail_en"] and body["parameter"] in body["detail"]


def test_each_spot_is_described_in_the_requested_language(spots_db: sa.Engine, client) -> None:
    """A duty officer reads a Chinese sentence (stakes 至, counts in 起/人, the score with its unit, the
    rules met by name); lang=en reads the same in English; the score's unit is stated."""
    import re

    url = "/analysis/blackspots?method=window&datetime=2019-01-01/2021-12-31"
    zh = client.get(url + "&lang=zh-CN", headers=auth())
    en = client.get(url + "&lang=en", headers=auth())
    assert zh.headers["Content-Language"] == "zh-CN" and en.headers["Content-Language"] == "en"
    assert zh.get_json()["score_unit"] == "当量事故起/年"
    names = {r.id: r.name_zh for r in criteria().rules}
    for feature in zh.get_json()["features"]:
        p, text = feature["properties"], feature["properties"]["description"]
        assert text.startswith("G107 ") and f"{p['from_stake']}至{p['to_stake']}" in text
        assert f"事故{p['accidents']}起" in text and f"死亡{p['deaths']}人、受伤{p['injuries']}人" in text
        assert f"当量事故{p['score']:.1f}起/年" in text
        assert all(names[c] in text for c in p["criteria"])
        assert not re.search(r"[a-z_]{4,}", text), text  # no rule ids or other English
    first = en.get_json()["features"][0]["properties"]["description"]
    assert "weighted accidents a year" in first and "criteria met: 12+ accidents within 500 m a year" in first
    eb = client.get(url.replace("window", "eb") + "&lang=zh-CN", headers=auth()).get_json()
    assert (
        "改善潜力（PSI）" in eb["features"][0]["properties"]["description"]
        and "双向" in eb["features"][0]["properties"]["description"]
    )


def test_http_needs_a_token_and_answers_geojson(spots_db: sa.Engine, client) -> None:
    assert client.get("/analysis/blackspots").status_code == 401
    resp = client.get("/analysis/blackspots?method=window&datetime=2019-01-01/2021-12-31&area=430104", headers=auth())
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 2
    assert body["features"][0]["properties"]["criteria"] == ["point_accidents"]
    assert "private" in resp.headers["Cache-Control"]
    eb = client.get("/analysis/blackspots?method=eb&datetime=2019-01-01/2021-12-31&limit=3", headers=auth()).get_json()
    assert eb["numberReturned"] == 1 and eb["spf"][0]["alpha"] > 0  # only K5–K6 is above its SPF
    elsewhere = client.get("/analysis/blackspots?bbox=113.5,28.0,113.6,28.1", headers=auth()).get_json()
    assert elsewhere["numberReturned"] == 0
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "/analysis/blackspots" in paths


def test_cli_blackspots(spots_db: sa.Engine, settings) -> None:
    from cli import main

    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    result = runner.invoke(main, ["analysis", "blackspots", "--datetime", "2019-01-01/2021-12-31", "--store"])
    assert result.exit_code == 0, result.output
    assert "stored 2 black spot(s)" in result.output and "G107" in result.output
    result = runner.invoke(main, ["analysis", "blackspots", "--method", "eb", "--datetime", "2019/2021"])
    assert result.exit_code == 2 and "datetime" in result.output


def test_nkde_ranks_the_dense_cluster_first_or_says_it_is_missing(spots_db: sa.Engine, client) -> None:
    """With the NKDE engine installed, its densest lixel is in the K5 cluster; without it, 501."""
    import importlib.util

    url = "/analysis/blackspots?method=nkde&datetime=2019-01-01/2021-12-31&bandwidth=200&lixel=10"
    resp = client.get(url, headers=auth())
    if importlib.util.find_spec("analysis.nkde") is None:
        assert resp.status_code == 501 and resp.get_json()["parameter"] == "method"
        return
    assert resp.status_code == 200, resp.get_json()
    top = resp.get_json()["features"][0]["properties"]
    assert 4900 <= (top["from_stake_m"] + top["to_stake_m"]) / 2 <= 5500
    assert top["to_stake_m"] - top["from_stake_m"] == pytest.approx(200)
    too_long = client.get(url.replace("lixel=10", "lixel=500"), headers=auth())
    assert too_long.status_code == 422 and too_long.get_json()["parameter"] == "lixel"


def test_nkde_spots_hold_accidents_of_their_own(spots_db: sa.Engine, client) -> None:
    """Density spilling over a junction from accidents on an unstaked street does not make a black spot
    of an empty stretch of G107, and stakes come rounded (0.1 m), not as lixel-centre floats."""
    import importlib

    if importlib.util.find_spec("analysis.nkde") is None:
        pytest.skip("the NKDE engine is not installed")
    with spots_db.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO road_nodes (id, geom) VALUES (3, ST_SetSRID(ST_MakePoint(113.0, 28.21), 4326))")
        )
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (road_class, name, default_speed_kmh, length_m, county_adcode, "
                "source_node, target_node, geom) SELECT 'urban', '解放路', 40, ST_Length(g::geography), '430104', "
                "2, 3, g FROM ST_GeomFromText('LINESTRING(113.0 28.2, 113.0 28.21)', 4326) AS g"
            )
        )
        for k in range(30):  # a street cluster 0–60 m from G107's end node (K10), off any staked route
            conn.execute(
                sa.text(
                    "INSERT INTO accidents (occurred_at, deaths, injuries, segment_id, county_adcode, source_id, geom) "
                    "VALUES (:t, 1, 0, (SELECT max(id) FROM road_segments), '430104', :id, "
                    "ST_SetSRID(ST_MakePoint(113.0, 28.2 + :d), 4326))"
                ),
                {"t": START + timedelta(days=10 * k), "id": f"S{k}", "d": 0.00002 * k},
            )
    url = "/analysis/blackspots?method=nkde&datetime=2019-01-01/2021-12-31&limit=50"
    spots = [f["properties"] for f in client.get(url, headers=auth()).get_json()["features"]]
    assert spots and all(p["accidents"] >= 1 for p in spots)
    assert not any(p["to_stake_m"] > 9700 for p in spots)  # nothing of G107's own near K10
    assert all(p["from_stake_m"] == round(p["from_stake_m"], 1) for p in spots)


def test_default_period_is_three_years_so_scores_read_per_year(spots_db: sa.Engine, client) -> None:
    body = client.get("/analysis/blackspots", headers=auth()).get_json()
    assert body["period"]["years"] == 3.0
    top = body["features"][0]["properties"]
    w = criteria().weights
    weighted = top["fatal"] * w["fatal"] + top["injury"] * w["injury"] + top["property"] * w["property"]
    assert top["score"] == round(weighted / 3, 4)


def test_planner_report_section_lists_the_stored_spots(spots_db: sa.Engine) -> None:
    from analysis.blackspots import stored
    from planning.htmlreport import _black_spots

    assert "尚无事故多发点段记录" in _black_spots(stored(spots_db), "zh-CN")
    store(spots_db, find(spots_db, "window", make_scope(spots_db, START, END)))
    rows = stored(spots_db, area="430100")
    assert [r["rank"] for r in rows] == [1, 2]
    page = _black_spots(rows, "zh-CN")
    assert "事故多发点段" in page and "G107" in page and "K2+" in page and "2019-01-01 至 2021-12-31" in page
    assert stored(spots_db, area="430200") == []
    assert "Accident black spots" in _black_spots(rows, "en")


def test_planner_report_section_cites_the_rules_each_spot_met(spots_db: sa.Engine) -> None:
    """The planner reads the criteria themselves (not a file path), which rule each spot met, and stakes
    written K2+000至K2+500 in Chinese."""
    from analysis.blackspots import stored
    from planning.htmlreport import _black_spots

    store(spots_db, find(spots_db, "window", make_scope(spots_db, START, END)))
    rows = stored(spots_db)
    zh, en = _black_spots(rows, "zh-CN"), _black_spots(rows, "en")
    crit = criteria()
    assert ".toml" not in zh and ".toml" not in en and crit.source_zh in zh
    assert all(r.name_zh in zh for r in crit.rules)
    assert "12+ accidents within 500 m a year" in en
    numbers = {r.id: "①②③"[i] for i, r in enumerate(crit.rules)}
    for r in rows:
        marks = "".join(numbers[c] for c in r["criteria"].split(","))
        assert f"{r['from_stake']}至{r['to_stake']}" in zh
        assert f"<td>{r['score']:.1f}</td><td>{marks}</td>" in zh
