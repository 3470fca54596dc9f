"""gis/bulk_binary.copy_columns (binary COPY of whole columns) and gis/ewkb (EWKB laid out by numpy)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from gis import ewkb
from gis.bulk_binary import copy_columns


def test_ewkb_is_what_shapely_writes():
    rng = np.random.default_rng(7)
    lines = np.array([shapely.LineString(rng.random((k, 2)) * 100) for k in (2, 3, 7, 2, 40)], dtype=object)
    coords, index = shapely.get_coordinates(lines, return_index=True)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(index))])
    expected = shapely.to_wkb(shapely.set_srid(lines, 4326), include_srid=True).tolist()
    assert ewkb.linestrings(coords, offsets, 4326).to_pylist() == expected
    assert ewkb.linestrings(coords[2:], offsets[1:], 4326).to_pylist() == expected[1:]  # offsets need not start at 0
    xy = rng.random((4, 2))
    points = shapely.set_srid(shapely.points(xy), 3857)
    assert ewkb.points(xy, 3857).to_pylist() == shapely.to_wkb(points, include_srid=True).tolist()


def test_copy_columns_sends_every_type_and_null(engine):
    line = shapely.set_srid(shapely.LineString([(112.0, 28.0), (112.5, 28.25)]), 4326)
    geoms = np.array([shapely.to_wkb(line, include_srid=True), None, None], dtype=object)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TEMP TABLE bulk_probe (a bigint, b smallint, c double precision, d boolean, e text, "
                "f geometry(LineString, 4326), g integer, h real) ON COMMIT DROP"
            )
        )
        n = copy_columns(
            conn,
            "bulk_probe",
            {
                "a": np.array([1, 2, 2**40]),
                "b": [1, None, 3],
                "c": np.array([1.5, np.nan, -3.25]),
                "d": np.array([True, False, True]),
                "e": ["x", None, "中文\t'\"\\\n,"],
                "f": geoms,
                "g": [None, None, 7],
                "h": np.array([0.5, 1.0, np.nan], dtype=np.float32),
            },
        )
        got = conn.execute(sa.text("SELECT a, b, c, d, e, ST_AsText(f), g, h FROM bulk_probe ORDER BY a")).all()
    assert n == 3
    assert [tuple(r) for r in got] == [
        (1, 1, 1.5, True, "x", "LINESTRING(112 28,112.5 28.25)", None, 0.5),
        (2, None, None, False, None, None, None, 1.0),
        (2**40, 3, -3.25, True, "中文\t'\"\\\n,", None, 7, None),
    ]


def test_copy_columns_names_what_it_cannot_send(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE bulk_probe2 (a bigint, b bigint, t timestamptz) ON COMMIT DROP"))
        with pytest.raises(ValueError, match="no columns"):
            copy_columns(conn, "bulk_probe2", {"zz": [1]})
        with pytest.raises(ValueError, match="cannot encode t"):
            copy_columns(conn, "bulk_probe2", {"t": ["2020-01-01"]})
        with pytest.raises(ValueError, match="different lengths"):
            copy_columns(conn, "bulk_probe2", {"a": np.array([1, 2]), "b": [1, 2, 3]})
