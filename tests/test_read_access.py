"""Read access (issue 11, 安全接入): internal layers and properties need a reading token on the features
API, tiles, TileJSON and search; their answers are private; each internal read is audited."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace

import mapbox_vector_tile
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gis.audit import AuditEntry, AuditLog
from gis.root import root_of
from gis.settings import Token, load_settings
from gis.sqlfiles import load_sql
from tests.conftest import auth
from tests.test_tiles import HOME, load_tile_data
from tiles.matrix import lonlat_to_tile

VIEWER = "test-viewer-" + secrets.token_hex(8)
PLANNER = "test-planner-" + secrets.token_hex(8)
STATION = (112.952, 28.16)  # the enforcement station of tests/test_tiles.py
PRIVATE = "private, no-store"


@pytest.fixture(scope="module")
def reader_app(settings, engine):
    """The app with a viewer and a planner token besides the admin and operator ones, on the tile data."""
    from app import create_app
    from tests.conftest import truncate_all

    truncate_all(engine)
    load_tile_data(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cameras SET code = '4301' || lpad(id::text, 16, '0')"))
    tokens = (*settings.tokens, Token(VIEWER, "viewer-1", "viewer"), Token(PLANNER, "planner-1", "planner"))
    app = create_app(replace(settings, tokens=tokens))
    app.config["TESTING"] = True
    yield app
    root_of(app).close()
    truncate_all(engine)


@pytest.fixture()
def client(reader_app):
    return reader_app.test_client()


@pytest.fixture()
def audit_rows(reader_app, engine):
    """A function returning the audit rows written since the test began (after flushing the writer)."""
    assert root_of(reader_app).audit.flush()  # nothing of an earlier test still on its way
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE read_audit"))

    def rows() -> list:
        assert root_of(reader_app).audit.flush()
        with engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT * FROM read_audit ORDER BY id")).mappings())

    return rows


def _is_401(resp) -> None:
    assert resp.status_code == 401, resp.data[:300]
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["WWW-Authenticate"].lower().startswith("bearer")


def _is_private(resp) -> None:
    assert resp.headers["Cache-Control"] == PRIVATE
    assert "authorization" in resp.headers.get("Vary", "").lower()
    assert "public" not in resp.headers["Cache-Control"]
    assert "Access-Control-Allow-Origin" not in resp.headers


def _tile_url(layers: str, lonlat=STATION, z: int = 14) -> str:
    t = lonlat_to_tile(*lonlat, z)
    return f"/tiles/{layers}/{t.z}/{t.x}/{t.y}.mvt"


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data) if data else {}


# --- features API -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/collections/enforcement_stations/items",
        "/collections/enforcement_stations/items/1",
        "/collections/command_centres/items?limit=5",
        "/collections/enforcement_stations",
    ],
)
def test_internal_layers_are_401_without_a_token_and_with_a_bad_one(client, path):
    _is_401(client.get(path))
    _is_401(client.get(path, headers=auth("not-a-token")))
    _is_401(client.get(path, headers={"Authorization": "Basic dXNlcjpwYXNz"}))


def test_viewer_reads_an_internal_layer_privately_and_the_read_is_audited(client, audit_rows):
    resp = client.get("/collections/enforcement_stations/items?limit=10", headers=auth(VIEWER))
    assert resp.status_code == 200
    features = resp.get_json()["features"]
    assert [f["properties"]["name"] for f in features] == ["G107执法站"]
    _is_private(resp)
    one = client.get(f"/collections/enforcement_stations/items/{features[0]['id']}", headers=auth(PLANNER))
    assert one.status_code == 200 and one.get_json()["properties"]["name"] == "G107执法站"
    _is_private(one)
    rows = audit_rows()
    assert [(r["token_name"], r["role"], r["layer"], r["features"]) for r in rows] == [
        ("viewer-1", "viewer", "enforcement_stations", 1),
        ("planner-1", "planner", "enforcement_stations", 1),
    ]
    assert rows[0]["path"] == "/collections/enforcement_stations/items" and rows[0]["params"] == {"limit": "10"}
    assert rows[0]["method"] == "GET" and rows[0]["read_at"] is not None


def test_internal_properties_are_stripped_for_anonymous_readers(client, audit_rows):
    anonymous = client.get("/collections/cameras/items?limit=1000")
    assert anonymous.status_code == 200
    props = [f["properties"] for f in anonymous.get_json()["features"]]
    assert props and all("code" not in p and "status" not in p for p in props)
    assert all("kind" in p and "install_year" in p for p in props)
    assert anonymous.headers["Cache-Control"].startswith("public")
    assert "authorization" in anonymous.headers["Vary"].lower()
    item = client.get(f"/collections/cameras/items/{anonymous.get_json()['features'][0]['id']}").get_json()
    assert "code" not in item["properties"] and "status" not in item["properties"]
    assert audit_rows() == []  # nothing internal was read

    viewer = client.get("/collections/cameras/items?limit=1000", headers=auth(VIEWER))
    props = [f["properties"] for f in viewer.get_json()["features"]]
    assert all(p["code"].startswith("4301") and p["status"] == "active" for p in props)
    _is_private(viewer)
    assert [(r["layer"], r["features"]) for r in audit_rows()] == [("cameras", len(props))]


def test_filtering_on_an_internal_property_needs_a_token(client):
    resp = client.get("/collections/cameras/items?status=inactive")
    _is_401(resp)
    assert resp.get_json()["parameter"] == "status"
    assert client.get("/collections/cameras/items?status=inactive", headers=auth(VIEWER)).get_json()["features"] == []


def test_public_layers_without_internal_properties_stay_public(client):
    resp = client.get("/collections/road_segments/items?limit=2")
    assert resp.headers["Cache-Control"].startswith("public")
    with_token = client.get("/collections/road_segments/items?limit=2", headers=auth(VIEWER))
    assert with_token.headers["Cache-Control"].startswith("public")  # nothing internal in it


def test_collections_mark_internal_layers_for_anonymous_readers(client):
    anonymous = client.get("/collections").get_json()["collections"]
    by_id = {c["id"]: c for c in anonymous}
    assert by_id["enforcement_stations"]["access"] == "internal" and by_id["cameras"]["access"] == "public"
    assert "count" not in by_id["enforcement_stations"] and "extent" not in by_id["enforcement_stations"]
    assert "status" not in by_id["cameras"]["properties"] and "kind" in by_id["cameras"]["properties"]
    resp = client.get("/collections", headers=auth(VIEWER))
    _is_private(resp)
    by_id = {c["id"]: c for c in resp.get_json()["collections"]}
    assert by_id["enforcement_stations"]["count"] == 1 and "status" in by_id["cameras"]["properties"]


# --- tiles ------------------------------------------------------------------------------------


def test_a_tile_of_an_internal_layer_is_401_without_a_token(client):
    t = lonlat_to_tile(*STATION, 14)
    _is_401(client.get(_tile_url("enforcement_stations")))
    _is_401(client.get(_tile_url("enforcement_stations,command_centres")))
    _is_401(client.get(f"/collections/enforcement_stations/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"))
    _is_401(client.get("/collections/enforcement_stations/tiles"))
    _is_401(client.get("/tiles/enforcement_stations.json"))
    _is_401(client.get(_tile_url("enforcement_stations"), headers=auth("wrong")))


def test_a_public_composite_leaves_internal_layers_and_properties_out(client):
    resp = client.get(_tile_url("road_segments,cameras,enforcement_stations", HOME))
    assert resp.status_code == 200
    layers = decode(resp.data)
    assert list(layers) == ["road_segments", "cameras"]
    assert all("status" not in f["properties"] and "code" not in f["properties"] for f in layers["cameras"]["features"])
    assert resp.headers["Cache-Control"].startswith("public") and resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in resp.headers["Vary"].lower()


def test_with_a_token_the_composite_holds_internal_data_privately_and_is_audited(client, audit_rows):
    url = _tile_url("road_segments,cameras,enforcement_stations")
    before = decode(client.get(url).data)  # the public tile is cached first
    resp = client.get(url, headers=auth(VIEWER))
    assert resp.status_code == 200
    _is_private(resp)
    layers = decode(resp.data)
    assert list(layers) == ["road_segments", "cameras", "enforcement_stations"]
    assert all(f["properties"]["status"] == "active" for f in layers["cameras"]["features"])
    # The public tile, asked for again, is still the public one (the caches are apart).
    after = client.get(url)
    assert decode(after.data) == before and after.headers["Cache-Control"].startswith("public")
    again = client.get(url, headers=auth(VIEWER))
    assert decode(again.data) == layers
    rows = audit_rows()
    counted = {
        "cameras": len(layers["cameras"]["features"]),
        "enforcement_stations": len(layers["enforcement_stations"]["features"]),
    }
    assert counted["enforcement_stations"] == 1
    assert [(r["layer"], r["features"]) for r in rows] == list(counted.items()) * 2
    assert all(r["token_name"] == "viewer-1" and r["path"] == url for r in rows)


def test_gzipped_and_conditional_tiles_keep_the_public_and_private_apart(client):
    url = _tile_url("cameras,enforcement_stations")
    public = client.get(url, headers={"Accept-Encoding": "gzip"})
    private = client.get(url, headers={"Accept-Encoding": "gzip", **auth(VIEWER)})
    assert public.headers["ETag"] != private.headers["ETag"]
    revalidated = client.get(url, headers={"If-None-Match": private.headers["ETag"], "Accept-Encoding": "gzip"})
    assert revalidated.status_code == 200  # an anonymous reader never gets a 304 on the private tile's tag


def test_tilejson_marks_internal_layers_and_lists_internal_fields_only_with_a_token(client):
    anonymous = client.get("/tiles/cameras,enforcement_stations.json")
    doc = anonymous.get_json()
    # Listed and marked (one tile URL for every reader; the tiles leave the layer out without a token).
    assert [(v["id"], v.get("access")) for v in doc["vector_layers"]] == [
        ("cameras", None),
        ("enforcement_stations", "internal"),
    ]
    assert "status" not in doc["vector_layers"][0]["fields"]
    assert "authorization" in anonymous.headers["Vary"].lower()
    resp = client.get("/tiles/cameras,enforcement_stations.json", headers=auth(VIEWER))
    _is_private(resp)
    doc = resp.get_json()
    assert [v["id"] for v in doc["vector_layers"]] == ["cameras", "enforcement_stations"]
    assert "status" in doc["vector_layers"][0]["fields"]


# --- search -----------------------------------------------------------------------------------


def test_search_finds_internal_facilities_only_with_a_token(client, audit_rows):
    anonymous = client.get("/search?q=执法站")
    assert anonymous.status_code == 200 and anonymous.get_json()["facilities"]["features"] == []
    assert "authorization" in anonymous.headers["Vary"].lower()
    resp = client.get("/search?q=执法站", headers=auth(VIEWER))
    _is_private(resp)
    found = resp.get_json()["facilities"]["features"]
    assert [f["properties"]["layer"] for f in found] == ["enforcement_stations"]
    _is_401(client.get("/search?q=执法站", headers=auth("wrong")))
    assert ("enforcement_stations", 1) in [(r["layer"], r["features"]) for r in audit_rows()]


# --- roles, audit log, grants ----------------------------------------------------------------


def test_readers_cannot_write(client):
    body = {"kind": "works", "effect": "closed", "geometry": {"type": "Point", "coordinates": list(HOME)}}
    for token in (VIEWER, PLANNER):
        assert client.post("/incidents", json=body, headers=auth(token)).status_code == 403


def test_settings_accept_reading_roles_and_refuse_others(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[[tokens]]\nname = "v"\nrole = "viewer"\ntoken = "x"\n'
                    '[[tokens]]\nname = "p"\nrole = "planner"\ntoken = "y"\n')  # fmt: skip
    assert [t.role for t in load_settings({"DAOAN_SETTINGS": str(path)}).tokens] == ["viewer", "planner"]
    path.write_text('[[tokens]]\nname = "r"\nrole = "reader"\ntoken = "x"\n')
    with pytest.raises(ValueError, match="viewer"):
        load_settings({"DAOAN_SETTINGS": str(path)})


def test_a_failing_audit_write_is_logged_and_the_read_still_answers(reader_app, client, caplog):
    audit = root_of(reader_app).audit
    good = audit.engine
    audit.engine = sa.create_engine("postgresql+psycopg2://nobody@/nonesuch?host=/nonexistent")
    try:
        dropped = audit.dropped
        resp = client.get("/collections/enforcement_stations/items", headers=auth(VIEWER))
        assert resp.status_code == 200 and len(resp.get_json()["features"]) == 1
        assert audit.flush()
        assert audit.dropped == dropped + 1
        assert "audit write of 1 entries failed" in caplog.text
    finally:
        audit.engine = good


def test_the_audit_log_batches_entries(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE read_audit"))
    log = AuditLog(engine, batch=50)
    for i in range(120):
        log.record(AuditEntry("t", "viewer", "command_centres", "GET", "/x", {"i": str(i)}, lambda i=i: i))
    assert log.flush()
    log.close()
    with engine.connect() as conn:
        total, features = conn.execute(sa.text("SELECT count(*), sum(features) FROM read_audit")).one()
    assert (total, features) == (120, sum(range(120)))


def test_the_application_role_appends_to_the_audit_log_and_changes_nothing(engine):
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = 'daoan_app'")).scalar():
            pytest.skip("no daoan_app role on this server")
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.text("SET LOCAL ROLE daoan_app"))
        entry = AuditEntry("t", "viewer", "command_centres", "GET", "/x", {"q": "站"}, 3)
        rows = json.dumps([entry.row()], ensure_ascii=False)
        conn.execute(sa.text(load_sql("queries/audit_insert.sql")), {"rows": rows})  # the writer's own query
        assert conn.execute(sa.text("SELECT count(*) FROM read_audit")).scalar() >= 1
    for statement in ("UPDATE read_audit SET features = 1", "DELETE FROM read_audit"):
        with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SET LOCAL ROLE daoan_app"))
            conn.execute(sa.text(statement))


def test_audit_list_command(settings, engine, audit_rows, client):
    from cli import main

    client.get("/collections/command_centres/items", headers=auth(VIEWER))
    audit_rows()
    result = CliRunner().invoke(main, ["audit", "list", "--layer", "command_centres"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "viewer-1" in result.output and "command_centres" in result.output


def test_token_new_prints_an_entry_the_settings_accept(tmp_path):
    from cli import main

    result = CliRunner().invoke(main, ["token", "new", "--name", "长沙-viewer", "--role", "planner"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "settings.toml"
    path.write_text(result.output, encoding="utf-8")
    (token,) = load_settings({"DAOAN_SETTINGS": str(path)}).tokens
    assert (token.name, token.role) == ("长沙-viewer", "planner") and len(token.secret) >= 40
    assert CliRunner().invoke(main, ["token", "new", "--name", "x", "--role", "root"]).exit_code == 2


def test_seeding_leaves_internal_layers_out_unless_asked(tmp_path, settings):
    from cli import main

    out = tmp_path / "internal.mbtiles"
    bbox = f"{STATION[0] - 0.01},{STATION[1] - 0.01},{STATION[0] + 0.01},{STATION[1] + 0.01}"
    args = [
        "tiles",
        "seed",
        "--layers",
        "cameras,enforcement_stations",
        "--zooms",
        "14",
        "--bbox",
        bbox,
        "--out",
        str(out),
    ]
    refused = CliRunner().invoke(main, args, obj=settings)
    assert refused.exit_code == 2 and "--internal" in refused.output and not out.exists()
    assert CliRunner().invoke(main, [*args, "--internal"], obj=settings).exit_code == 0 and out.exists()


def test_admins_read_the_audit_log_over_http(client, audit_rows):
    from tests.conftest import ADMIN_TOKEN, OPERATOR_TOKEN

    client.get("/collections/command_centres/items", headers=auth(VIEWER))
    client.get("/collections/enforcement_stations/items", headers=auth(PLANNER))
    audit_rows()
    _is_401(client.get("/audit"))
    for token in (VIEWER, PLANNER, OPERATOR_TOKEN):
        assert client.get("/audit", headers=auth(token)).status_code == 403
    resp = client.get("/audit?layer=enforcement_stations&since=2000-01-01T00:00:00Z", headers=auth(ADMIN_TOKEN))
    assert resp.status_code == 200
    _is_private(resp)
    entries = resp.get_json()["entries"]
    assert [(e["token_name"], e["role"], e["layer"], e["features"]) for e in entries] == [
        ("planner-1", "planner", "enforcement_stations", 1)
    ]
    assert (
        client.get("/audit?token=viewer-1&limit=1", headers=auth(ADMIN_TOKEN)).get_json()["entries"][0]["layer"]
        == "command_centres"
    )
    for query, parameter in (
        ("since=yesterday", "since"),
        ("limit=0", "limit"),
        ("layer=x", "layer"),
        ("who=1", "who"),
    ):
        bad = client.get(f"/audit?{query}", headers=auth(ADMIN_TOKEN))
        assert bad.status_code == 400 and bad.get_json()["parameter"] == parameter, query
