"""The plan's targets as data: the bundled file, validation, import in one transaction, the 2019 carry-over."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gis.errors import ImportRejected, Unprocessable
from planning.standards import DEFAULT_FILE, current_standards, import_standards, parse_standards, read_standards_file


def test_bundled_file_holds_both_tables_of_the_seed_for_2017_to_2019():
    standards = read_standards_file(DEFAULT_FILE)
    assert standards.years == (2017, 2018, 2019)
    t = {(x.year, x.roads, x.metric): x.value for x in standards.targets}
    # Expressways (province level), cumulative.
    assert [t[(y, "expressway", "enforcement_stations")] for y in (2017, 2018, 2019)] == [25, 50, 75]
    assert [t[(y, "expressway", "weather_sets")] for y in (2017, 2018, 2019)] == [50, 100, 150]
    assert [t[(y, "expressway", "camera_points")] for y in (2017, 2018)] == [800, 1600]
    assert t[(2019, "expressway", "camera_spacing_km")] == 2
    assert [t[(y, "expressway", "interval_per_city")] for y in (2017, 2018)] == [1, 2]
    assert t[(2019, "expressway", "interval_share")] == 1.0
    # National and provincial roads (city level).
    assert [t[(y, "all", "command_county_share")] for y in (2017, 2018, 2019)] == [0.3, 0.7, 1.0]
    assert [t[(y, "national_provincial", "camera_spacing_km")] for y in (2017, 2018, 2019)] == [40, 20, 10]
    assert [t[(y, "national_provincial", "weather_share")] for y in (2017, 2018, 2019)] == [0.4, 0.8, 1.0]
    assert [t[(y, "national_provincial", "interval_share")] for y in (2018, 2019)] == [0.5, 1.0]
    assert t[(2018, "national_provincial", "enforcement_route_km")] == 30
    assert (2017, "national_provincial", "interval_share") not in t


def test_targets_the_seed_does_not_restate_are_carried_forward_and_say_so():
    standards = read_standards_file(DEFAULT_FILE)
    rule = standards.for_year(2019)[("national_provincial", "enforcement_route_km")]
    assert rule.carried_from == 2018 and rule.value == 30


def test_unknown_year_names_the_valid_years():
    with pytest.raises(Unprocessable, match="valid years: 2017, 2018, 2019"):
        read_standards_file(DEFAULT_FILE).for_year(2020)


BAD = """
[standard]
name = "test"
version = "1"

[parameters]
weather_radius_km = -5
no_such_parameter = 1

[[target]]
year = 2019
roads = "expressway"
metric = "weather_share"
scope = "city"
value = 1.5

[[target]]
year = 2019
roads = "rail"
metric = "camera_spacing_km"
scope = "city"
value = 10

[[target]]
year = 2019
roads = "expressway"
metric = "weather_share"
scope = "city"
value = 0.5
"""


def test_validation_reports_every_bad_row_and_field():
    with pytest.raises(ImportRejected) as info:
        parse_standards(BAD, source_name="bad.toml")
    problems = {(e["row"], e["field"]) for e in info.value.errors}
    assert (None, "parameters.weather_radius_km") in problems
    assert (None, "parameters.no_such_parameter") in problems
    assert (1, "value") in problems  # a share above 1
    assert (2, "roads") in problems
    assert (3, "metric") not in problems  # row 1 was rejected, so row 3 is no duplicate of it


def test_import_replaces_the_set_in_one_transaction_and_a_bad_file_changes_nothing(engine, tmp_path: Path):
    good = DEFAULT_FILE.read_text(encoding="utf-8").replace('version = "2017.26-1"', 'version = "test-2"')
    good = good.replace("weather_radius_km = 5.0", "weather_radius_km = 3.0")
    (tmp_path / "good.toml").write_text(good, encoding="utf-8")
    (tmp_path / "bad.toml").write_text(BAD, encoding="utf-8")
    try:
        import_standards(engine, tmp_path / "good.toml", loaded_by="test")
        with engine.begin() as conn:
            current = current_standards(conn)
        assert current.version == "test-2" and current.parameters.weather_radius_km == 3.0
        with pytest.raises(ImportRejected):
            import_standards(engine, tmp_path / "bad.toml", loaded_by="test")
        with engine.begin() as conn:
            assert current_standards(conn).version == "test-2"
            assert conn.execute(sa.text("SELECT count(*) FROM coverage_standard_sets")).scalar_one() == 1
    finally:
        _restore_default(engine)


def test_cli_import_standards_lists_rejected_rows(settings, tmp_path: Path, monkeypatch):
    import cli

    (tmp_path / "bad.toml").write_text(BAD, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["import", "standards", str(tmp_path / "bad.toml")], obj=settings)
    assert result.exit_code == 2
    assert "target 2: roads" in result.output


def test_default_set_is_stored_on_first_use(engine):
    _restore_default(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM coverage_standard_sets"))
        standards = current_standards(conn)
        assert standards.name == "湘政办发〔2017〕26号"
        assert conn.execute(sa.text("SELECT count(*) FROM coverage_standards")).scalar_one() == len(standards.targets)


def _restore_default(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM coverage_standard_sets"))
        current_standards(conn)
