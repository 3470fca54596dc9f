"""Imports of accidents, violations, key vehicles and enterprises: Chinese headers, --map, Excel,
GCJ-02, every bad row named, --skip-invalid, upserts on the record id, linear referencing, read access."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gis import chinacrs
from gis.errors import ImportRejected
from layers.ingest.facilities import import_facilities
from layers.ingest.registry import import_registry
from tests.conftest import auth

ROAD_WKT = "LINESTRING(112.9 28.2, 113.0 28.2)"  # G107 K0+000 at 112.9 E, K10+000 at 113.0 E
HEADER = [
    "事故编号",
    "事故发生时间",
    "经度",
    "纬度",
    "死亡人数",
    "受伤人数",
    "事故形态",
    "天气",
    "车辆类型",
    "行驶方向",
]


@pytest.fixture()
def road_db(empty_db: sa.Engine) -> sa.Engine:
    with empty_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (road_class, route_code, name, default_speed_kmh, length_m, "
                "start_stake_m, end_stake_m, county_adcode, geom) "
                "SELECT 'national', 'G107', '107国道', 70, ST_Length(g::geography), 0, 10000, '430104', g "
                "FROM ST_GeomFromText(:wkt, 4326) AS g"
            ),
            {"wkt": ROAD_WKT},
        )
    return empty_db


def write_csv(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


ROWS = [
    ["SG001", "2021/3/5 14:30", 112.95, 28.2001, 1, 2, "追尾", "雨", "大型客车", "上行"],
    ["SG002", "2021-03-06 08:00:00", 112.91, 28.1999, 0, 0, "刮擦", "晴", "重型半挂牵引车", "下行"],
    ["SG003", "2021年3月7日 22时15分", 112.98, 28.2, 0, 3, "侧面相撞", "雾", "危险化学品运输车", ""],
]


def accidents(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                sa.text(
                    "SELECT source_id, occurred_at AT TIME ZONE 'Asia/Shanghai' AS local, deaths, injuries, severity, "
                    "collision_type, weather, passenger, hazmat, truck, direction, route_code, stake, round(stake_m) AS stake_m, "
                    "road_distance_m, segment_id, ST_X(geom) AS lon FROM accidents ORDER BY source_id"
                )
            )
        ]


def test_chinese_headers_times_flags_and_stakes(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    report = import_facilities(road_db, settings, "accidents", write_csv(tmp_path / "事故.csv", ROWS))
    assert (report.rows_inserted, report.rows_skipped) == (3, 0)
    got = accidents(road_db)
    assert [str(r["local"]) for r in got] == ["2021-03-05 14:30:00", "2021-03-06 08:00:00", "2021-03-07 22:15:00"]
    assert [r["severity"] for r in got] == ["fatal", "property", "injury"]
    assert [(r["passenger"], r["truck"], r["hazmat"]) for r in got] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert [r["direction"] for r in got] == ["up", "down", None]
    assert all(r["route_code"] == "G107" and r["segment_id"] is not None for r in got)
    assert got[0]["stake"] == "K5+000" and abs(got[0]["stake_m"] - 5000) <= 60
    assert 9 < got[0]["road_distance_m"] < 12  # 0.0001° north of the road


def test_reimport_upserts_on_record_id(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    import_facilities(road_db, settings, "accidents", path)
    again = import_facilities(road_db, settings, "accidents", path)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    changed = [list(r) for r in ROWS]
    changed[1][4] = 1  # a death registered later
    report = import_facilities(road_db, settings, "accidents", write_csv(tmp_path / "b.csv", changed))
    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (0, 1, 2)
    got = accidents(road_db)
    assert len(got) == 3 and got[1]["severity"] == "fatal"


def test_every_bad_row_named_and_skip_invalid(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    rows = [
        *ROWS,
        ["SG004", "昨天下午", 112.95, 28.2, 0, 1, "", "", "", ""],
        ["SG005", "2021-03-08 10:00", 112.95, 28.2, -1, 0, "", "", "", ""],
        ["SG006", "2021-03-08 11:00", 112.95, 28.2, 0, 0, "", "", "", "东向"],
        ["SG001", "2021-03-08 12:00", 112.95, 28.2, 0, 0, "", "", "", ""],
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as info:
        import_facilities(road_db, settings, "accidents", path)
    named = {(e["row"], e["field"]) for e in info.value.errors}
    assert named == {(4, "occurred_at"), (5, "deaths"), (6, "direction"), (7, "source_id")}
    assert accidents(road_db) == []
    report = import_facilities(road_db, settings, "accidents", path, skip_invalid=True)
    assert (report.rows_loaded, report.rows_skipped) == (3, 4)


def test_gcj02_map_and_excel(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    lon, lat = chinacrs.from_wgs84("gcj02", 112.95, 28.2001)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "时间", "X坐标", "Y坐标", "死亡人数", "受伤人数"])
    from datetime import datetime

    sheet.append(["X1", datetime(2022, 1, 2, 3, 4, 5), float(lon), float(lat), 0, 1])
    path = tmp_path / "accidents.xlsx"
    book.save(path)
    report = import_facilities(
        road_db,
        settings,
        "accidents",
        path,
        crs="gcj02",
        column_map={"编号": "source_id", "时间": "occurred_at", "X坐标": "lon", "Y坐标": "lat"},
    )
    assert report.rows_inserted == 1
    got = accidents(road_db)[0]
    assert str(got["local"]) == "2022-01-02 03:04:05"
    assert got["lon"] == pytest.approx(112.95, abs=1e-5)


def test_violations_take_their_camera_position(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    with road_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cameras (code, kind, geom) VALUES ('43010000001320000001', 'speed', "
                "ST_SetSRID(ST_MakePoint(112.96, 28.2), 4326))"
            )
        )
    path = write_csv(
        tmp_path / "违法.csv",
        [["2021/5/1", "超速", 12, "43010000001320000001"], ["2021/5/1", "违法停车", 3, "43010000001320000001"]],
        header=["违法日期", "违法类型", "违法数量", "设备编号"],
    )
    report = import_facilities(road_db, settings, "violations", path, crs="gcj02")
    assert report.rows_inserted == 2
    again = import_facilities(road_db, settings, "violations", path, crs="gcj02")
    assert again.rows_unchanged == 2
    with road_db.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT day::text, kind, count, ST_X(geom), route_code FROM violations ORDER BY kind")
        ).all()
    assert [(r[0], r[1], r[2], round(r[3], 6), r[4]) for r in rows] == [
        ("2021-05-01", "超速", 12, 112.96, "G107"),
        ("2021-05-01", "违法停车", 3, 112.96, "G107"),
    ]
    bad = write_csv(
        tmp_path / "v2.csv", [["2021/5/2", "超速", 1, "NOPE"]], header=["违法日期", "违法类型", "违法数量", "设备编号"]
    )
    with pytest.raises(ImportRejected) as info:
        import_facilities(road_db, settings, "violations", bad)
    assert info.value.errors[0]["field"] == "camera_code"


def test_registries_upsert_and_name_bad_rows(empty_db: sa.Engine, tmp_path: Path) -> None:
    ent = write_csv(
        tmp_path / "企业.csv",
        [["91430100MA4L0XXX1Y", "长沙客运公司", "客运", "430104"], ["91430100MA4L0YYY2Y", "湘危货运", "危货", ""]],
        header=["统一社会信用代码", "企业名称", "企业类型", "行政区划代码"],
    )
    assert import_registry(empty_db, "enterprises", ent).rows_inserted == 2
    veh = write_csv(
        tmp_path / "车辆.csv",
        [
            ["湘A12345", "班线客车", "91430100MA4L0XXX1Y", "正常"],
            ["湘AD12345", "危险化学品运输车", "91430100MA4L0YYY2Y", "停运"],
        ],
        header=["号牌号码", "车辆类型", "所属企业代码", "状态"],
    )
    assert import_registry(empty_db, "key-vehicles", veh).rows_inserted == 2
    again = import_registry(empty_db, "key_vehicles", veh)
    assert (again.rows_inserted, again.rows_unchanged) == (0, 2)
    bad = write_csv(
        tmp_path / "bad.csv",
        [["湘A12345", "出租车", "", ""], ["ABC", "校车", "", ""], ["湘B99999", "校车", "", ""]],
        header=["号牌号码", "车辆类型", "所属企业代码", "状态"],
    )
    with pytest.raises(ImportRejected) as info:
        import_registry(empty_db, "key_vehicles", bad)
    assert {(e["row"], e["field"]) for e in info.value.errors} == {(1, "kind"), (2, "plate")}
    report = import_registry(empty_db, "key_vehicles", bad, skip_invalid=True)
    assert (report.rows_inserted, report.rows_skipped) == (1, 2)
    with empty_db.connect() as conn:
        kinds = dict(conn.execute(sa.text("SELECT plate, kind FROM key_vehicles")).all())
    assert kinds == {"湘A12345": "scheduled_coach", "湘AD12345": "hazmat", "湘B99999": "school_bus"}


def test_http_import_needs_admin_and_reads_need_a_token(road_db: sa.Engine, client, tmp_path: Path) -> None:
    body = write_csv(tmp_path / "a.csv", ROWS).read_bytes()
    assert client.post("/imports/accidents", data=body, content_type="text/csv").status_code == 401
    resp = client.post("/imports/accidents", data=body, content_type="text/csv", headers=auth())
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["rows_inserted"] == 3
    resp = client.post("/imports/accidents?map=bad", data=body, content_type="text/csv", headers=auth())
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "map"
    assert client.get("/collections/accidents/items").status_code == 401
    items = client.get("/collections/accidents/items", headers=auth())
    assert items.status_code == 200 and len(items.get_json()["features"]) == 3
    assert "private" in items.headers["Cache-Control"]
    veh = write_csv(tmp_path / "v.csv", [["湘A12345", "校车"]], header=["号牌号码", "车辆类型"]).read_bytes()
    resp = client.post("/imports/key_vehicles", data=veh, content_type="text/csv", headers=auth())
    assert resp.status_code == 201 and resp.get_json()["rows_inserted"] == 1


def test_cli_import_accidents(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    from cli import main

    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    path = write_csv(tmp_path / "a.csv", ROWS)
    result = runner.invoke(main, ["import", "accidents", "--map", "事故形态=collision_type", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 inserted" in result.output
    veh = write_csv(tmp_path / "v.csv", [["湘A12345", "校车"]], header=["号牌号码", "车辆类型"])
    result = runner.invoke(main, ["import", "key-vehicles", str(veh)])
    assert result.exit_code == 0, result.output


def test_cli_names_the_files_own_columns_and_lines(road_db: sa.Engine, settings, tmp_path: Path) -> None:
    """A duty officer fixing the police system's export reads its own headers (死亡人数, not only deaths)
    and the line a spreadsheet shows (the header is line 1)."""
    from cli import main

    rows = [*ROWS, ["SG005", "2021-03-08 10:00", 112.95, 28.2, -1, 0, "", "", "", ""]]
    path = write_csv(tmp_path / "bad.csv", rows)
    result = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url}).invoke(
        main, ["import", "accidents", str(path)]
    )
    assert result.exit_code == 2
    assert "row 4 (line 5): 死亡人数 (deaths): must be at least 0" in result.output
    assert "first: row 4: 死亡人数 (deaths)" in result.output
