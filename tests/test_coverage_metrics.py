"""Metrics on the hand-made network of test_coverage_fixtures, checked by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sqlalchemy as sa

from planning.data import DataCache, load_coverage_data
from planning.gaps import spacing_gaps
from planning.service import coverage_gaps, coverage_report, coverage_suggest
from planning.siting.suggest import station_problem
from planning.standards import current_standards
from tests.conftest import truncate_all
from tests.test_coverage_fixtures import build_coverage_network


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    return engine


@pytest.fixture(scope="module")
def report_2019(network: sa.Engine) -> dict:
    return coverage_report(network, year=2019)


def _metrics(report: dict, adcode: str) -> dict:
    return next(a for a in report["areas"] if a["adcode"] == adcode)["metrics"]


def test_report_lists_province_then_cities_then_counties(report_2019):
    assert [(a["adcode"], a["level"]) for a in report_2019["areas"]] == [
        ("430000", "province"),
        ("430100", "city"),
        ("431300", "city"),
        ("430121", "county"),
        ("430181", "county"),
        ("431321", "county"),
        ("431322", "county"),
    ]
    assert report_2019["standard"]["years"] == [2017, 2018, 2019]


def test_camera_density_counts_divided_road_once_and_points_missing(report_2019):
    m = _metrics(report_2019, "430000")["expressway.camera_spacing_km"]
    # 40 km of G60 (two carriageways counted once), 18 cameras, one per 2 km → 20 needed.
    assert (m["road_km"], m["points"], m["points_needed"], m["points_missing"]) == (40.0, 18, 20, 2)
    assert m["met"] is False and m["value"] == pytest.approx(40 / 18, abs=1e-3)
    n = _metrics(report_2019, "430000")["national_provincial.camera_spacing_km"]
    assert (n["road_km"], n["points"], n["points_needed"], n["points_missing"]) == (80.0, 3, 8, 5)


def test_strict_gaps_per_route_and_direction_with_stakes(network):
    body = coverage_gaps(network, kind="camera", year=2019)
    got = sorted(
        (f["properties"]["route_code"], f["properties"]["direction"], f["properties"]["from_stake"],
         f["properties"]["to_stake"], f["properties"]["cameras_needed"])
        for f in body["features"]
    )  # fmt: skip
    assert got == [
        ("G107", "both", "K12+000", "K40+000", 2),
        ("G107", "both", "K40+000", "K60+000", 1),
        ("G60", "down", "K0+000", "K40+000", 19),
        ("G60", "up", "K13+000", "K19+000", 2),
        ("S312", "both", "K0+000", "K20+000", 1),
    ]
    assert all(f["geometry"]["type"] == "LineString" for f in body["features"])
    up = next(f for f in body["features"] if f["properties"]["direction"] == "up")
    xs = [c[0] for c in up["geometry"]["coordinates"]]
    assert min(xs) == pytest.approx(112.13) and max(xs) == pytest.approx(112.19)


def test_gaps_of_a_county_are_those_touching_it(network):
    body = coverage_gaps(network, kind="camera", year=2019, area="431322")
    assert [f["properties"]["route_code"] for f in body["features"]] == ["S312"]


def test_camera_suggestions_close_every_gap_and_are_minimal(network):
    body = coverage_suggest(network, kind="camera", year=2019)
    stakes = sorted((f["properties"]["route_code"], f["properties"]["direction"], f["properties"]["stake_m"])
                    for f in body["features"])  # fmt: skip
    g107 = [s for r, _d, s in stakes if r == "G107"]
    assert g107 == [22_000.0, 32_000.0, 50_000.0]
    assert [s for r, d, s in stakes if r == "G60" and d == "up"] == [15_000.0, 17_000.0]
    assert body["summary"]["cameras"] == 25 and body["summary"]["gaps"] == 5
    # G107 with the additions has no gap; with one fewer (any one dropped) a gap remains.
    cams = [5_000.0, 12_000.0, 40_000.0]
    assert spacing_gaps([(0.0, 60_000.0)], cams + g107, 10_000.0) == []
    for fewer in itertools.combinations(g107, 2):
        assert spacing_gaps([(0.0, 60_000.0)], cams + list(fewer), 10_000.0)
    assert all(f["geometry"]["type"] == "Point" for f in body["features"])


def test_route_in_and_out_of_a_county_sums_its_pieces_for_the_30_km_rule(network, report_2019):
    county = _metrics(report_2019, "430181")["national_provincial.enforcement_route_km"]
    # G107 runs 10 + 15 + 10 = 35 km through 浏阳市 in three pieces, none 30 km long; no station on it there.
    assert county["routes_missing_station"] == [{"county": "430181", "route_code": "G107", "km_in_county": 35.0}]
    assert county["met"] is False
    # 长沙县 has 25 km of G107 in two pieces: below the threshold, so the rule does not apply.
    assert _metrics(report_2019, "430121")["national_provincial.enforcement_route_km"]["met"] is None
    with network.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO enforcement_stations (name, segment_id, route_code, stake_m, county_adcode, geom) "
                "SELECT 'test', id, route_code, 32000, county_adcode, ST_SetSRID(ST_MakePoint(112.32, 27.6), 4326) "
                "FROM road_segments WHERE route_code = 'G107' AND start_stake_m = 30000"
            )
        )
    try:
        after = coverage_report(network, year=2019, area="430181")
        assert _metrics(after, "430181")["national_provincial.enforcement_route_km"]["met"] is True
        assert _metrics(after, "430181")["national_provincial.enforcement_per_county"]["met"] is True
    finally:
        with network.begin() as conn:
            conn.execute(sa.text("DELETE FROM enforcement_stations WHERE name = 'test'"))


def test_weather_share_is_length_weighted_within_radius_along_the_road(report_2019):
    m = _metrics(report_2019, "430000")["national_provincial.weather_share"]
    # Fog over G107 K18–K28; the station at K20 reaches K15–K25: 7 of 10 km.
    assert (m["hazard_km"], m["monitored_km"], m["value"], m["target"]) == (10.0, 7.0, 0.7, 1)
    assert _metrics(report_2019, "430121")["national_provincial.weather_share"]["value"] == 1.0
    assert _metrics(report_2019, "430181")["national_provincial.weather_share"]["value"] == 0.0


def test_interval_share_of_eligible_length_between_exits(report_2019):
    m = _metrics(report_2019, "430000")["expressway.interval_share"]
    # G60 K0–K40 cut at the K20 interchange: 40 km eligible, the section K2–K12 covers 10.
    assert (m["eligible_km"], m["covered_km"], m["value"]) == (40.0, 10.0, 0.25)


def test_command_centres_share_of_counties_and_every_city(report_2019):
    p = _metrics(report_2019, "430000")
    assert (p["all.command_county_share"]["value"], p["all.command_county_share"]["met"]) == (0.25, False)
    assert (p["all.command_city"]["value"], p["all.command_city"]["target"]) == (1, 2)
    assert _metrics(report_2019, "430100")["all.command_city"]["met"] is True
    assert _metrics(report_2019, "431300")["all.command_city"]["met"] is False
    assert _metrics(report_2019, "430100")["all.command_county_share"]["value"] == 0.5


def test_count_targets_apply_at_their_level_only(network):
    report = coverage_report(network, year=2017)
    p, city = _metrics(report, "430000"), _metrics(report, "430100")
    assert (p["expressway.camera_points"]["value"], p["expressway.camera_points"]["target"]) == (18, 800)
    assert city["expressway.camera_points"]["target"] is None and city["expressway.camera_points"]["met"] is None
    # 2017: one interval section on each city's expressways: 长沙 has one, 娄底 none; the province counts cities.
    assert city["expressway.interval_per_city"]["met"] is True
    assert _metrics(report, "431300")["expressway.interval_per_city"]["met"] is False
    assert (
        p["expressway.interval_per_city"]["areas_meeting"],
        p["expressway.interval_per_city"]["areas_measured"],
    ) == (1, 2)


def test_weather_lscp_and_mclp_match_exhaustive_search_on_the_network(network):
    with network.begin() as conn:
        standards = current_standards(conn)
        data = load_coverage_data(conn, standards.parameters)
    inst = station_problem(data, standards, 2019, kind="weather_station", area=data.areas.province).instance()
    dense = inst.cover.toarray() > 0
    open_rows = ~inst.precovered
    reach = dense[open_rows].any(axis=1)

    def covered(sites: tuple[int, ...]) -> float:
        hit = dense[:, list(sites)].any(axis=1) if sites else np.zeros(len(dense), bool)
        return float(inst.weights[inst.precovered | hit].sum())

    pairs = list(itertools.combinations(range(dense.shape[1]), 2))
    singles = [(j,) for j in range(dense.shape[1])]
    assert reach.all()
    # No single new site reaches all open fog/ice road; some pair does: the LSCP answer is 2.
    assert max(covered(s) for s in singles) < inst.total_weight - 1e-9
    assert max(covered(s) for s in pairs) == pytest.approx(inst.total_weight)
    body = coverage_suggest(network, kind="weather_station", year=2019)
    assert body["summary"]["sites"] == 2 and body["summary"]["optimal"] and body["summary"]["mip_gap"] == 0
    best_one = max(covered(s) for s in singles)
    mclp = coverage_suggest(network, kind="weather_station", year=2019, budget=1)
    assert mclp["summary"]["covered_km_after"] == pytest.approx(best_one, abs=1e-3)


def test_enforcement_lscp_serves_every_rule_with_fewest_stations(network):
    body = coverage_suggest(network, kind="enforcement_station", year=2019)
    s = body["summary"]
    assert s["optimal"] and s["covered_share_after"] == 1.0
    # One station for G60 (50 km reach), one on G107 in 浏阳市 (both county rules), one in 新化县.
    assert s["sites"] == 3
    rules = [r for f in body["features"] for r in f["properties"]["rules"]]
    assert "a station on G107 (35.0 km in 430181)" in rules


def test_cached_data_is_reloaded_after_a_write(network):
    cache = DataCache()
    with network.begin() as conn:
        params = current_standards(conn).parameters
        first = cache.get(conn, params)
        assert cache.get(conn, params) is first
        conn.execute(sa.text("UPDATE cameras SET status = 'inactive' WHERE id = (SELECT min(id) FROM cameras)"))
    with network.begin() as conn:
        second = cache.get(conn, params)
        assert second is not first and len(second.cameras.ids) == len(first.cameras.ids) - 1
        conn.execute(sa.text("UPDATE cameras SET status = 'active'"))


def test_camera_budget_closes_the_gaps_worth_most_km(network):
    body = coverage_suggest(network, kind="camera", year=2019, budget=3)
    s = body["summary"]
    # Closing G107 K12–K40 (2 cameras) and one 20 km gap (1 camera) removes 48 km of gaps: the best for 3.
    assert s["optimal"] and s["gaps_closed"] == 2 and s["cameras"] == 3
    assert s["objective"] == pytest.approx(48.0)


def test_as_of_counts_only_facilities_installed_by_then(network):
    with network.begin() as conn:
        conn.execute(sa.text("UPDATE cameras SET install_year = 2018 WHERE route_code = 'G107'"))
    try:
        before = _metrics(coverage_report(network, year=2019, as_of=2017), "430000")
        now = _metrics(coverage_report(network, year=2019), "430000")
        assert before["national_provincial.camera_spacing_km"]["points"] == 0
        assert now["national_provincial.camera_spacing_km"]["points"] == 3
    finally:
        with network.begin() as conn:
            conn.execute(sa.text("UPDATE cameras SET install_year = NULL"))


def test_cli_writes_csv_and_a_self_contained_html_report(network, settings, tmp_path, monkeypatch):
    from click.testing import CliRunner

    import cli

    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(cli.main, ["coverage", "report", "--year", "2019", "--out", str(out)], obj=settings)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert (
        page.count("<svg") == 2
        and "长沙市" in page
        and "<script" not in page
        and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    )
    result = runner.invoke(
        cli.main, ["coverage", "report", "--year", "2019", "--format", "csv", "--area", "431300"], obj=settings
    )
    assert result.exit_code == 0 and "431322" in result.output
    result = runner.invoke(
        cli.main, ["coverage", "suggest", "--kind", "weather_station", "--budget", "-2"], obj=settings
    )
    assert result.exit_code == 2 and "budget" in result.output
    result = runner.invoke(cli.main, ["coverage", "gaps", "--year", "2016"], obj=settings)
    assert result.exit_code == 2 and "2017, 2018, 2019" in result.output


def test_cli_prints_the_report_to_pdf(network, settings, tmp_path, monkeypatch):
    from click.testing import CliRunner

    import cli
    import planning.pdfreport

    runner = CliRunner()
    out = tmp_path / "report.pdf"
    result = runner.invoke(cli.main, ["coverage", "report", "--year", "2019", "--out", str(out)], obj=settings)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    # A PDF of the two-page-wide report: header, pages, trailer; more than a blank page's bytes.
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 20_000
    assert data.count(b"/Type /Page") >= 2 or data.count(b"/Type/Page") >= 2
    result = runner.invoke(cli.main, ["coverage", "report", "--format", "pdf"], obj=settings)
    assert result.exit_code == 2 and "--out report.pdf" in result.output
    monkeypatch.setattr(planning.pdfreport, "chromium_path", lambda: None)
    result = runner.invoke(cli.main, ["coverage", "report", "--out", str(tmp_path / "again.pdf")], obj=settings)
    assert result.exit_code == 2 and "chromium" in result.output and not (tmp_path / "again.pdf").exists()
