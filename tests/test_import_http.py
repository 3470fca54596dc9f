"""Imports over HTTP: admin token only, one transaction, every bad row reported."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR_TOKEN, auth
from tests.netfixture import load_small_network


@pytest.fixture()
def network(empty_db):
    load_small_network(empty_db)
    return empty_db


def _cameras(points: list[tuple[float, float]], kind: str = "video") -> bytes:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(p)}, "properties": {"kind": kind}}
        for p in points
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM cameras")).scalar_one()


def test_import_without_token_is_401(client, network):
    resp = client.post("/imports/cameras", data=_cameras([(112.9501, 28.12)]), content_type="application/geo+json")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_import_with_operator_token_is_403(client, network):
    resp = client.post(
        "/imports/cameras",
        data=_cameras([(112.9501, 28.12)]),
        content_type="application/geo+json",
        headers=auth(OPERATOR_TOKEN),
    )
    assert resp.status_code == 403 and "admin" in resp.get_json()["detail"]


def test_import_with_wrong_token_is_403(client, network):
    resp = client.post(
        "/imports/cameras",
        data=_cameras([(112.9501, 28.12)]),
        content_type="application/geo+json",
        headers=auth("not-a-token"),
    )
    assert resp.status_code == 403


def test_admin_import_loads_and_references_rows(client, network):
    before = _count(network)
    resp = client.post(
        "/imports/cameras",
        data=_cameras([(112.9501, 28.12), (112.9502, 28.13)]),
        content_type="application/geo+json",
        headers=auth(),
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["rows_loaded"] == 2
    assert _count(network) == before + 2
    with network.connect() as conn:
        who = conn.execute(sa.text("SELECT imported_by FROM import_runs ORDER BY id DESC LIMIT 1")).scalar_one()
        stakes = conn.execute(sa.text("SELECT stake FROM cameras ORDER BY id DESC LIMIT 2")).scalars().all()
    assert who == "admin"
    assert all(s and s.startswith("K15") for s in stakes)


def test_multipart_csv_upload(client, network):
    csv_text = "name,kind,经度,纬度\n卡口1,checkpoint,112.9501,28.12\n"
    resp = client.post(
        "/imports/cameras?lon=经度&lat=纬度",
        data={"file": (io.BytesIO(csv_text.encode()), "cameras.csv")},
        content_type="multipart/form-data",
        headers=auth(),
    )
    assert resp.status_code == 201, resp.get_json()


def test_bad_row_rejects_whole_upload_and_lists_it(client, network):
    before = _count(network)
    body = _cameras([(112.9501, 28.12)] * 50 + [(112.99, 28.12)])  # the last is ~4 km off the road
    resp = client.post("/imports/cameras", data=body, content_type="application/geo+json", headers=auth())
    assert resp.status_code == 422
    problem = resp.get_json()
    assert [e["row"] for e in problem["errors"]] == [51]
    assert "50 m" in problem["errors"][0]["reason"]
    assert _count(network) == before


def test_unknown_layer_and_bad_content_type(client, network):
    assert (
        client.post("/imports/speedtraps", data=b"{}", content_type="application/json", headers=auth()).status_code
        == 404
    )
    resp = client.post("/imports/cameras", data=b"x", content_type="text/plain", headers=auth())
    assert resp.status_code == 400 and "Content-Type" in resp.get_json()["detail"]


def test_upload_over_the_size_limit_is_413(app, client, network):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        resp = client.post("/imports/cameras", data=b" " * 5000, content_type="application/geo+json", headers=auth())
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
