"""Identifiers composed into SQL: one quoting rule for the whole code base."""

from __future__ import annotations

import pytest

from gis.sqlfiles import load_table_sql, quote_ident


def test_plain_names_are_double_quoted():
    assert quote_ident("road_segments") == '"road_segments"'
    assert quote_ident("geom_3857") == '"geom_3857"'


@pytest.mark.parametrize(
    "name", ['a"; DROP TABLE cameras; --', "Cameras", "public.cameras", "3d", "", "a b", "x" * 64, "名称"]
)
def test_anything_else_is_refused(name):
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        quote_ident(name)


def test_a_table_template_gets_the_quoted_table():
    sql = load_table_sql("queries/layer_stats.sql", "cameras")
    assert '"cameras"' in sql and "{table}" not in sql
