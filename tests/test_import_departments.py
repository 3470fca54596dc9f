"""Every facility row records the department that owns it (migration 017), from imports or by default."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gis.errors import ImportRejected
from layers.catalog import LAYERS
from layers.ingest.facilities import import_facilities
from tests.test_import_facilities import feature, north_of, rejected, road_db, write_csv, write_geojson

__all__ = ["road_db"]  # the fixture, imported for this module's tests

DEFAULTS = {
    "cameras": "交警",
    "interval_speed_sections": "交警",
    "enforcement_stations": "交警",
    "command_centres": "交警",
    "hazard_zones": "交警",
    "guidance_signs": "交通",
    "toll_stations": "交通",
    "service_areas": "交通",
    "weather_stations": "气象",
}


def departments(engine: sa.Engine, table: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(f'SELECT department FROM "{table}" ORDER BY id')).scalars())


def test_each_facility_layer_declares_a_department_defaulting_to_its_usual_owner(engine):
    inspector = sa.inspect(engine)
    for table, owner in DEFAULTS.items():
        column = {c["name"]: c for c in inspector.get_columns(table)}["department"]
        assert not column["nullable"] and owner in column["default"], table
        assert LAYERS[table].property("department") is not None, table


def test_import_maps_a_chinese_department_column_and_english_names(road_db, settings, tmp_path):
    rows = [[*north_of(112.91 + i * 0.01, 28.2, 5), "video", dept] for i, dept in enumerate(["交通", "", "emergency"])]
    path = write_csv(tmp_path / "cams.csv", ["lon", "lat", "kind", "管理部门"], rows)

    import_facilities(road_db, settings, "cameras", path)

    assert departments(road_db, "cameras") == ["交通", "交警", "应急"]


def test_default_department_per_layer(road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "s.geojson", [feature(*north_of(112.95, 28.2, 900), kind="general")])

    import_facilities(road_db, settings, "weather_stations", path)

    assert departments(road_db, "weather_stations") == ["气象"]


def test_an_unknown_department_is_a_bad_row_naming_the_list(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "cams.geojson",
        [
            feature(*north_of(112.95, 28.2, 5), kind="video", department="城投"),
            feature(*north_of(112.96, 28.2, 5), kind="video"),
        ],
    )

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    ((reason,),) = rejected(excinfo).values()
    assert reason.startswith('department: "城投" is not a known department; one of ') and "交警" in reason
    assert departments(road_db, "cameras") == []


def test_features_api_shows_the_department(client, road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "cams.geojson", [feature(*north_of(112.95, 28.2, 5), kind="video", 部门="交通")])
    import_facilities(road_db, settings, "cameras", path)

    resp = client.get("/collections/cameras/items")

    assert resp.status_code == 200
    assert [f["properties"]["department"] for f in resp.get_json()["features"]] == ["交通"]
