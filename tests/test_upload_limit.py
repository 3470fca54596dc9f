"""Every request body over the upload limit gets 413 and changes nothing, however it is framed.

Served by `daoan serve` (granian), as in production: the framing of a chunked body is the server's
business, and the cut that lost data happened there, not in Flask's test client.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_TOKEN, truncate_all
from tests.netfixture import load_small_network
from tests.serving import daoan_server

LIMIT_MB = 0.0625  # 64 KiB: a file of a few hundred cameras is over it
LIMIT = int(LIMIT_MB * 1024 * 1024)


def _cameras_geojson(n: int) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [112.9501, 28.101 + i * 0.00008]},
            "properties": {"kind": "video", "name": f"上传测试摄像机{i:05d}"},
        }
        for i in range(n)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM cameras")).scalar_one()


@pytest.fixture(scope="module")
def server(settings, engine) -> Iterator[int]:
    truncate_all(engine)
    load_small_network(engine)
    try:
        with daoan_server(settings, workers=1, threads=2, env={"DAOAN_UPLOAD_MAX_MB": str(LIMIT_MB)}) as port:
            yield port
    finally:
        truncate_all(engine)


def _post(port: int, body: bytes, *, chunked: bool) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/geo+json"}
    payload: bytes | Iterator[bytes]
    if chunked:
        payload = iter([body[i : i + 8192] for i in range(0, len(body), 8192)])
        headers["Transfer-Encoding"] = "chunked"
    else:
        payload = body
    # The server may answer 413 and close before the whole body is sent.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.request("POST", "/imports/cameras", body=payload, headers=headers, encode_chunked=chunked)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else {}


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_body_over_the_limit_is_413_and_imports_nothing(server, engine, chunked):
    body = _cameras_geojson(1200)
    assert len(body) > LIMIT
    before = _count(engine)
    status, problem = _post(server, body, chunked=chunked)
    assert status == 413, problem
    assert problem["status"] == 413 and f"{LIMIT:,}" in problem["detail"]
    assert _count(engine) == before


def test_chunked_body_within_the_limit_is_imported_whole(server, engine):
    body = _cameras_geojson(150)
    assert len(body) < LIMIT
    before = _count(engine)
    status, report = _post(server, body, chunked=True)
    assert status == 201, report
    assert report["rows_loaded"] == 150
    assert _count(engine) == before + 150
