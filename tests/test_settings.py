"""Settings from the environment: database URLs in the forms users write, bad ones refused clearly."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gis.settings import database_url, load_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/gis", "postgresql+psycopg2://u:p@db:5432/gis"),
        ("postgres://u@db/gis", "postgresql+psycopg2://u@db/gis"),
        ("postgresql+psycopg2://u@/gis?host=/run/pg", "postgresql+psycopg2://u@/gis?host=/run/pg"),
    ],
)
def test_libpq_urls_get_the_driver_named(given, expected):
    assert database_url(given) == expected
    assert load_settings({"DAOAN_DATABASE_URL": given}).url() == expected


@pytest.mark.parametrize("given", ["mysql://u@db/x", "postgresql+asyncpg://u@db/x", "db.example:5432"])
def test_other_urls_are_refused_naming_the_form_that_works(given):
    with pytest.raises(ValueError, match="postgresql://user:password@host:port/dbname"):
        database_url(given)


def test_serve_refuses_an_unreachable_or_foreign_database_with_exit_2(monkeypatch):
    import cli

    runner = CliRunner()
    monkeypatch.setenv("DAOAN_DATABASE_URL", "mysql://u@db/x")
    result = runner.invoke(cli.main, ["serve", "--port", "18557"])
    assert result.exit_code == 2 and "not a PostgreSQL URL" in result.output and "Traceback" not in result.output
    # Nothing listens on port 1: refused at once, before any server starts.
    monkeypatch.setenv("DAOAN_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    result = runner.invoke(cli.main, ["serve", "--port", "18557"])
    assert result.exit_code == 2 and "unreachable" in result.output


def test_unknown_settings_key_is_refused_naming_the_closest(tmp_path):
    path = tmp_path / "daoan.toml"
    path.write_text("on_road_tolerence_m = 5\n")
    with pytest.raises(ValueError, match="on_road_tolerence_m.*did you mean 'on_road_tolerance_m'"):
        load_settings({"DAOAN_SETTINGS": str(path)})


def test_known_settings_keys_are_read(tmp_path):
    path = tmp_path / "daoan.toml"
    path.write_text("on_road_tolerance_m = 5\n")
    assert load_settings({"DAOAN_SETTINGS": str(path)}).on_road_tolerance_m == 5.0
