"""The tile cache: writes through the import path show in the next tile, across app instances too."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import mapbox_vector_tile
import psycopg2
import pytest
import sqlalchemy as sa

from gis.root import root_of
from tests.conftest import module_data
from tests.test_tiles import HOME, load_tile_data, tile_at

T = tile_at(*HOME, 14)
URL = f"/tiles/cameras/{T.z}/{T.x}/{T.y}.mvt"


tile_data = module_data(load_tile_data, name="tile_data")


@pytest.fixture()
def two_apps(settings):
    """Two app instances on one database, as two worker processes would be."""
    from app import create_app

    apps = [create_app(settings), create_app(settings)]
    yield apps
    for app in apps:
        root_of(app).tiles.close()
        root_of(app).engine.dispose()


def camera_ids(client, url: str = URL) -> set[int]:
    resp = client.get(url)
    if resp.status_code == 204:
        return set()
    return {f["id"] for f in mapbox_vector_tile.decode(resp.data)["cameras"]["features"]}


def wait_for_notification(app, before: int, timeout_s: float = 3.0) -> None:
    """The LISTEN thread runs asynchronously: give PostgreSQL's NOTIFY time to arrive."""
    versions = root_of(app).tiles.versions
    deadline = time.monotonic() + timeout_s
    while versions.notifications <= before and time.monotonic() < deadline:
        time.sleep(0.005)


def wait_listening(app, timeout_s: float = 5.0) -> None:
    versions = root_of(app).tiles.versions
    versions.start()
    deadline = time.monotonic() + timeout_s
    while not versions.listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert versions.listening


def import_camera(engine, settings, tmp_path, name: str, lat: float) -> None:
    """Write one camera through the project's own import path (layers.ingest.facilities)."""
    from layers.ingest.facilities import import_facilities

    path = tmp_path / f"{name}.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [112.9500, lat]},
        "properties": {"name": name, "kind": "video", "status": "active"},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False))
    import_facilities(engine, settings, "cameras", path, imported_by="test")


def new_camera_id(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM cameras WHERE name = :n"), {"n": name}).scalar_one()


def test_imported_camera_appears_in_the_next_tile_request(app, client, engine, settings, tmp_path):
    before = camera_ids(client)  # warms the cache
    notified = root_of(app).tiles.versions.notifications
    wait_listening(app)
    import_camera(engine, settings, tmp_path, "新摄像机甲", 28.1455)
    wait_for_notification(app, notified)
    after = camera_ids(client)
    assert after - before == {new_camera_id(engine, "新摄像机甲")}


def test_a_write_seen_by_another_app_instance_on_its_next_request(two_apps, settings, tmp_path):
    writer, reader = two_apps
    reader_client = reader.test_client()
    roads_url = f"/tiles/road_segments/{T.z}/{T.x}/{T.y}.mvt"
    before = camera_ids(reader_client)
    reader_client.get(roads_url)
    wait_listening(reader)
    notified = root_of(reader).tiles.versions.notifications
    import_camera(root_of(writer).engine, settings, tmp_path, "新摄像机乙", 28.1456)
    wait_for_notification(reader, notified)
    cache = root_of(reader).tiles.cache
    hits = cache.hits
    reader_client.get(roads_url)
    assert cache.hits == hits + 1, "the road layer did not change: its tile stays cached"
    after = camera_ids(reader_client)
    assert after - before == {new_camera_id(root_of(writer).engine, "新摄像机乙")}


def test_without_listen_the_version_is_reread_within_its_ttl(settings, engine, tmp_path):
    from app import create_app

    app = create_app(replace(settings, tile_version_ttl_s=0.0))
    root_of(app).tiles.versions.listen = False
    try:
        client = app.test_client()
        before = camera_ids(client)
        import_camera(engine, settings, tmp_path, "新摄像机丙", 28.1457)
        assert camera_ids(client) - before == {new_camera_id(engine, "新摄像机丙")}
    finally:
        root_of(app).engine.dispose()


def live_backend_pid(versions):
    """The listener's backend pid, or None while its connection is closed or being replaced
    (the listener thread swaps the connection under the test's feet)."""
    conn = versions._listen_conn
    if conn is None or conn.closed:
        return None
    try:
        return conn.get_backend_pid()
    except psycopg2.InterfaceError:
        return None


def test_listener_reconnects_after_its_connection_is_killed(two_apps, engine, settings, tmp_path):
    reader = two_apps[1]
    wait_listening(reader)
    versions = root_of(reader).tiles.versions
    pid = versions._listen_conn.get_backend_pid()
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and live_backend_pid(versions) in (None, pid):
        time.sleep(0.02)
    assert versions.listening and live_backend_pid(versions) not in (None, pid)
    client = reader.test_client()
    before = camera_ids(client)
    notified = versions.notifications
    import_camera(engine, settings, tmp_path, "新摄像机丁", 28.1458)
    wait_for_notification(reader, notified)
    assert versions.notifications > notified
    assert new_camera_id(engine, "新摄像机丁") in camera_ids(client) - before


def test_disk_cache_serves_a_new_process(settings, tmp_path):
    from app import create_app

    disk = replace(settings, tile_cache_dir=tmp_path / "tiles")
    first = create_app(disk)
    body = first.test_client().get(URL).data
    assert list((tmp_path / "tiles" / "cameras").rglob("*.mvt"))
    second = create_app(disk)
    try:
        cache = root_of(second).tiles.cache
        assert second.test_client().get(URL).data == body
        assert cache.hits >= 1
    finally:
        for a in (first, second):
            root_of(a).tiles.close()
            root_of(a).engine.dispose()


def test_cache_stays_within_its_byte_bound():
    from tiles.cache import TileCache, part_of

    cache = TileCache(max_bytes=50_000)
    for i in range(100):
        cache.put_part("cameras", 1, (14, i, 0), part_of(b"x" * 2_000))
    assert cache.size_bytes <= 50_000
    assert cache.get_part("cameras", 1, (14, 99, 0)) is not None
    assert cache.get_part("cameras", 1, (14, 0, 0)) is None
    assert cache.drop_layer("cameras") > 0 and cache.size_bytes == 0


def test_cache_off_renders_every_time(settings):
    from app import create_app

    app = create_app(replace(settings, tile_cache_bytes=0))
    try:
        client = app.test_client()
        assert client.get(URL).status_code == 200 and client.get(URL).status_code == 200
        service = root_of(app).tiles
        assert service.cache.hits == 0 and service.versions._listener is None
    finally:
        root_of(app).engine.dispose()


def test_unreachable_database_gives_503_problem(settings):
    from app import create_app

    down = replace(settings, database_url="postgresql+psycopg2://daoan@127.0.0.1:1/nowhere")
    app = create_app(down)
    try:
        resp = app.test_client().get(URL)
        assert resp.status_code == 503 and resp.mimetype == "application/problem+json"
        assert resp.headers["Retry-After"]
    finally:
        root_of(app).tiles.close()
        root_of(app).engine.dispose()
