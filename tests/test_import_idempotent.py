"""Imports upsert on natural keys: a re-import updates rows in place (same ids), never duplicates them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gis.errors import ImportRejected
from layers.catalog import LAYERS
from layers.ingest.facilities import import_facilities
from layers.ingest.keys import KEY_COLUMNS, assign_keys
from tests.conftest import auth
from tests.test_import_facilities import feature, north_of, rejected, road_db, write_csv, write_geojson

__all__ = ["road_db"]  # the fixture, imported for this module's tests


def cameras(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        result = conn.execute(sa.text("SELECT id, name, kind, status, natural_key FROM cameras ORDER BY id"))
        return [dict(r._mapping) for r in result]


def _file(tmp_path: Path, name: str = "cams.geojson", status: str = "active") -> Path:
    return write_geojson(
        tmp_path / name,
        [
            {**feature(*north_of(112.91, 28.2, 5), kind="video", code="43010000001310000001", status=status)},
            {**feature(*north_of(112.93, 28.2, 5), kind="speed", name="K3 测速"), "id": "CAM-7"},
            feature(*north_of(112.95, 28.2, -5), kind="checkpoint", name="K5 卡口"),
        ],
    )


def test_importing_the_same_file_twice_keeps_rows_ids_and_counts(road_db, settings, tmp_path):
    path = _file(tmp_path)
    first = import_facilities(road_db, settings, "cameras", path)
    before = cameras(road_db)

    second = import_facilities(road_db, settings, "cameras", path)

    assert cameras(road_db) == before
    assert (first.rows_inserted, first.rows_updated, first.rows_unchanged) == (3, 0, 0)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, 3)
    assert second.rows_loaded == 3 and "0 inserted, 0 updated, 3 unchanged" in second.summary()
    keys = [c["natural_key"] for c in before]
    assert keys[0] == "code:43010000001310000001" and keys[1] == "src:import:CAM-7" and keys[2].startswith("h:")


def test_a_changed_value_updates_the_row_in_place(road_db, settings, tmp_path):
    import_facilities(road_db, settings, "cameras", _file(tmp_path))
    before = cameras(road_db)

    report = import_facilities(road_db, settings, "cameras", _file(tmp_path, "cams_v2.geojson", status="inactive"))

    after = cameras(road_db)
    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (0, 1, 2)
    assert [c["id"] for c in after] == [c["id"] for c in before]
    assert after[0]["status"] == "inactive" and before[0]["status"] == "active"


def test_the_same_place_from_csv_and_geojson_is_one_row(road_db, settings, tmp_path):
    lon, lat = north_of(112.97, 28.2, 8)
    geojson = write_geojson(tmp_path / "a.geojson", [feature(lon, lat, kind="video", name="岳麓")])
    csv_path = write_csv(
        tmp_path / "b.csv", ["lon", "lat", "kind", "name", "direction"], [[lon, lat, "video", "岳麓", "东"]]
    )

    import_facilities(road_db, settings, "cameras", geojson)
    report = import_facilities(road_db, settings, "cameras", csv_path)

    assert report.rows_updated == 1 and len(cameras(road_db)) == 1


def test_identical_rows_in_one_file_are_numbered_and_stay_numbered(road_db, settings, tmp_path):
    spot = north_of(112.95, 28.2, 5)
    path = write_geojson(tmp_path / "twins.geojson", [feature(*spot, kind="video")] * 2)

    import_facilities(road_db, settings, "cameras", path)
    again = import_facilities(road_db, settings, "cameras", path)

    keys = [c["natural_key"] for c in cameras(road_db)]
    assert len(keys) == 2 and keys[1] == keys[0] + "#2" and again.rows_unchanged == 2


def test_a_record_id_or_code_twice_in_one_file_is_a_bad_row(road_db, settings, tmp_path):
    spot = north_of(112.95, 28.2, 5)
    path = write_geojson(
        tmp_path / "twice.geojson",
        [
            {**feature(*spot, kind="video"), "id": "A"},
            {**feature(*north_of(112.96, 28.2, 5), kind="speed"), "id": "A"},
            feature(*spot, kind="video", code="X1"),
            feature(*spot, kind="speed", code="X1"),
        ],
    )

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {
        2: ['source_id: "A" appears more than once in the file (first in row 1)'],
        4: ['code: "X1" appears more than once in the file (first in row 3)'],
    }
    assert cameras(road_db) == []


def test_weather_station_is_keyed_by_its_cma_number(road_db, settings, tmp_path):
    here = north_of(112.95, 28.2, 800)
    first = write_geojson(tmp_path / "s1.geojson", [feature(*here, kind="general", station_code="57687", name="长沙")])
    moved = north_of(112.951, 28.2, 820)
    second = write_geojson(
        tmp_path / "s2.geojson", [feature(*moved, kind="general", station_code="57687", name="长沙站")]
    )

    import_facilities(road_db, settings, "weather_stations", first)
    report = import_facilities(road_db, settings, "weather_stations", second)

    with road_db.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, natural_key FROM weather_stations")).all()
    assert report.rows_updated == 1 and [tuple(r) for r in rows] == [("长沙站", "code:57687")]


def test_replace_keeps_the_ids_of_rows_still_in_the_file(road_db, settings, tmp_path):
    import_facilities(road_db, settings, "cameras", _file(tmp_path))
    kept = cameras(road_db)[1]
    smaller = write_geojson(
        tmp_path / "one.geojson", [{**feature(*north_of(112.93, 28.2, 5), kind="speed"), "id": "CAM-7"}]
    )

    report = import_facilities(road_db, settings, "cameras", smaller, replace=True)

    (row,) = cameras(road_db)
    assert row["id"] == kept["id"] and row["name"] is None  # the file no longer names it
    assert (report.rows_updated, report.rows_replaced) == (1, 2)


def test_skip_invalid_leaves_a_known_row_alone_when_its_new_place_is_too_far(road_db, settings, tmp_path):
    near = write_geojson(tmp_path / "near.geojson", [{**feature(*north_of(112.95, 28.2, 5), kind="video"), "id": "C"}])
    far = write_geojson(tmp_path / "far.geojson", [{**feature(*north_of(112.95, 28.2, 400), kind="video"), "id": "C"}])
    import_facilities(road_db, settings, "cameras", near)
    with road_db.connect() as conn:
        before = conn.execute(sa.text("SELECT id, ST_AsText(geom) FROM cameras")).all()

    with pytest.raises(ImportRejected, match="none of the 1 row"):
        import_facilities(road_db, settings, "cameras", far, skip_invalid=True)

    with road_db.connect() as conn:
        assert conn.execute(sa.text("SELECT id, ST_AsText(geom) FROM cameras")).all() == before


def test_http_import_answers_inserted_updated_and_unchanged(client, road_db, tmp_path):
    body = _file(tmp_path).read_bytes()
    first = client.post("/imports/cameras", data=body, content_type="application/geo+json", headers=auth())
    doc = json.loads(body)
    doc["features"][2]["properties"]["status"] = "planned"
    second = client.post(
        "/imports/cameras", data=json.dumps(doc).encode(), content_type="application/geo+json", headers=auth()
    )

    assert first.status_code == second.status_code == 201
    counts = ("rows_loaded", "rows_inserted", "rows_updated", "rows_unchanged")
    assert [first.get_json()[k] for k in counts] == [3, 3, 0, 0]
    assert [second.get_json()[k] for k in counts] == [3, 0, 1, 2]
    assert len(cameras(road_db)) == 3


def test_cli_prints_inserted_and_updated(road_db, settings, tmp_path):
    from cli import main

    path = _file(tmp_path)
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    runner.invoke(main, ["import", "facilities", "--layer", "cameras", str(path)])

    result = runner.invoke(main, ["import", "facilities", "--layer", "cameras", str(path)])

    assert result.exit_code == 0, result.output
    assert "cameras: 3 row(s) loaded from cams.geojson: 0 inserted, 0 updated, 3 unchanged" in result.output


def test_existing_duplicates_are_numbered_oldest_first_and_nothing_is_deleted(road_db):
    """What migration 016 does to a database holding a file imported twice (rows without keys)."""
    point = "ST_SetSRID(ST_MakePoint(112.95, 28.2001), 4326)"
    with road_db.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO cameras (kind, name, source_id, geom) VALUES "
                f"('video', 'a', NULL, {point}), ('video', 'a', NULL, {point}), ('speed', NULL, 'S1', {point}), "
                f"('speed', NULL, 'S1', {point})"
            )
        )
        assign_keys(conn, LAYERS["cameras"])
    keys = [c["natural_key"] for c in cameras(road_db)]
    assert len(keys) == 4 and keys[1] == keys[0] + "#2" and keys[2:] == ["src:import:S1", "src:import:S1#2"]


def test_every_importable_layer_has_a_natural_key(engine):
    importable = {layer.table for layer in LAYERS.values() if layer.importable}
    assert importable == set(KEY_COLUMNS)
    inspector = sa.inspect(engine)
    for table in importable:
        unique = [ix["column_names"] for ix in inspector.get_indexes(table) if ix["unique"]]
        assert ["natural_key"] in unique, table
