"""Daoan behind nginx with docs/nginx/daoan.conf (ports and paths substituted): a closure shows through
the cache within twice the tile's max-age, expired copies are revalidated, answers that needed a token
and requests carrying a write's position are never served from (or stored in) the cache, and the
forwarded host gives the URLs of TileJSON and paging links; the host is part of the cache key."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, auth, module_data
from tests.serving import daoan_server, free_port
from tests.test_routing_incidents import CLOSURE
from tests.test_routing_network import lat, load_corridor
from tiles.matrix import lonlat_to_tile

CONF = Path(__file__).resolve().parent.parent / "docs" / "nginx" / "daoan.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")

_T = lonlat_to_tile(113.0, lat(8), 12)  # on the G4 stretch the closure covers
INCIDENT_TILE = f"/tiles/incidents/{_T.z}/{_T.x}/{_T.y}.mvt"
INCIDENT_MAX_AGE_S = 5  # layers/catalog.py: live layers' tiles

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(scope="module")
def proxy(settings, corridor, tmp_path_factory) -> Iterator[int]:
    """nginx on a free port in front of `daoan serve` (which trusts 127.0.0.1's forwarded headers)."""
    with daoan_server(settings, workers=1, threads=2, env={"DAOAN_TRUSTED_PROXIES": "127.0.0.1"}, start_s=120) as app:
        root = tmp_path_factory.mktemp("nginx")
        port = free_port()
        site = (
            CONF.read_text()
            .replace("/var/cache/nginx/daoan", str(root / "cache"))
            .replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{app};")
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
        )
        (root / "daoan.conf").write_text(site)
        user = "user root root;\n" if os.geteuid() == 0 else ""  # the workers write the cache in tmp
        (root / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n access_log off;\n client_body_temp_path {root}/body;\n proxy_temp_path {root}/proxy;\n"
            f" include {root}/daoan.conf;\n}}\n"
        )
        proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    get(port, "/health")
                    break
                except OSError:
                    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "nginx stopped"
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def get(port: int, path: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def test_closure_through_the_cache_revalidation_and_read_your_writes(proxy):
    import json

    feed = "/incidents"  # the public feed of closures in force (max-age 5, ETag)
    status, head, _ = get(proxy, INCIDENT_TILE)
    assert status == 204 and head["x-cache-status"] in ("MISS", "EXPIRED")
    assert get(proxy, INCIDENT_TILE)[1]["x-cache-status"] == "HIT"
    assert get(proxy, feed)[1]["x-cache-status"] in ("MISS", "EXPIRED")
    time.sleep(INCIDENT_MAX_AGE_S + 1.2)  # nginx counts whole seconds
    # Expired and unchanged: asked again with its ETag, kept on 304.
    assert get(proxy, feed)[1]["x-cache-status"] == "REVALIDATED"
    assert get(proxy, INCIDENT_TILE)[1]["x-cache-status"] in ("EXPIRED", "REVALIDATED")  # an empty tile: 204

    status, head, body = get(
        proxy, "/incidents", {**auth(), "Content-Type": "application/json"}, "POST", json.dumps(CLOSURE).encode()
    )
    assert status == 201, body
    posted, lsn = time.monotonic(), head["daoan-lsn"]
    # The writer's own reads carry its position: past the cache, at once.
    status, head, _ = get(proxy, INCIDENT_TILE, {"Daoan-Lsn": lsn})
    assert status == 200 and head["x-cache-status"] == "BYPASS"
    status, head, _ = get(proxy, INCIDENT_TILE, {"Cookie": f"daoan_lsn={lsn}"})
    assert status == 200 and head["x-cache-status"] == "BYPASS"
    # Everyone else: the cached copy until it expires, then the closure (within twice the max-age, as a
    # browser that keeps a hit for its full max-age again would see it: nginx sends no Age).
    seen = set()
    while True:
        status, head, _ = get(proxy, INCIDENT_TILE)
        seen.add(head["x-cache-status"])
        if status == 200:
            break
        assert time.monotonic() - posted < 2 * INCIDENT_MAX_AGE_S, f"closure not shown through the cache: {seen}"
        time.sleep(0.2)
    assert "HIT" in seen  # the copy from before was served meanwhile
    time.sleep(INCIDENT_MAX_AGE_S + 1.2)  # nginx counts whole seconds
    assert get(proxy, INCIDENT_TILE)[1]["x-cache-status"] == "REVALIDATED"
    ident = json.loads(body)["id"]
    get(proxy, f"/incidents/{ident}", auth(), "DELETE")


def test_answers_that_needed_a_token_are_never_cached(proxy):
    path = "/collections/enforcement_stations/items"
    for _ in range(2):
        status, head, _ = get(proxy, path, auth(ADMIN_TOKEN))
        assert status == 200 and head["cache-control"] == "private, no-store"
        assert head["x-cache-status"] == "BYPASS"
    status, head, _ = get(proxy, path)
    assert status == 401 and head.get("x-cache-status") != "HIT"


def test_forwarded_host_gives_the_urls_and_keys_the_cache(proxy):
    import json

    for host in ("maps.example.test", "wall.example.test"):
        status, head, body = get(proxy, "/tiles/road_segments.json", {"Host": f"{host}:{proxy}"})
        assert status == 200 and head["x-cache-status"] == "MISS"  # not the other host's copy
        assert json.loads(body)["tiles"][0].startswith(f"http://{host}:{proxy}/tiles/road_segments/")
        status, head, body = get(proxy, "/collections/road_segments/items?limit=2", {"Host": host})
        links = {link["rel"]: link["href"] for link in json.loads(body)["links"]}
        assert links["next"].startswith(f"http://{host}/collections/road_segments/items?")
