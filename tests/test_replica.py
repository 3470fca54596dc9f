"""Read replicas with real clusters: a primary and its hot standby (`daoan db replica init`), a server
writing to the primary and a server reading the standby (DAOAN_READ_DATABASE_URL). Consistency
(versions polled on the standby, read-your-writes by WAL position), then faults: the standby lagging,
the standby down, the primary down (reads go on, writes 503, the audit kept and written afterwards)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from gis.cluster import ensure_cluster, stop_cluster
from gis.db import create_db_engine, ensure_database
from gis.migrate import migrate
from gis.settings import APP_ROLE, PROJECT_ROOT, Settings
from gis.standby import Standby, init_standby, start_standby, stop_standby
from tests.conftest import ADMIN_TOKEN, auth
from tests.serving import start_server, wait_healthy
from tests.test_routing_incidents import CLOSURE
from tests.test_routing_network import SQL as CORRIDOR
from tests.test_routing_network import lat
from tiles.matrix import lonlat_to_tile

ROUTE = f"/route?from=113.0,{lat(4)}&to=113.0,{lat(12)}"
STATIONS = "/collections/enforcement_stations/items"
_T = lonlat_to_tile(113.0, lat(8), 12)
TILE = f"/tiles/road_segments/{_T.z}/{_T.x}/{_T.y}.mvt"


def _url(settings: Settings, role: str, *, socket: Path | None = None, port: int | None = None) -> str:
    return (
        f"postgresql://{role}@/daoan?host={socket or settings.socket_dir}&port={port or settings.pg_port}"
        f"&passfile={settings.passfile}"
    )


@pytest.fixture(scope="module")
def primary() -> Iterator[Settings]:
    """A cluster of its own (never main's) under var/, its standby beside it; the corridor loaded."""
    port = 56000 + os.getpid() % 900 * 2
    settings = Settings(var_dir=PROJECT_ROOT / "var" / f"test-replica-{os.getpid()}", pg_port=port)
    try:
        ensure_cluster(settings)
        ensure_database(settings, "daoan")
        engine = create_db_engine(settings)
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(CORRIDOR))
            conn.execute(sa.text("INSERT INTO enforcement_stations (name, geom) "
                                 "VALUES ('执法站', ST_SetSRID(ST_MakePoint(112.952, 28.16), 4326))"))  # fmt: skip
        engine.dispose()
        init_standby(settings)
        yield settings
    finally:
        stop_standby(settings)
        stop_cluster(settings)
        shutil.rmtree(settings.var_dir, ignore_errors=True)


def _owner(settings: Settings, *, standby: bool = False) -> sa.Engine:
    url = _url(settings, "daoan")
    if standby:
        s = Standby(settings)
        url = _url(settings, "daoan", socket=s.socket_dir, port=s.port)
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"), poolclass=sa.pool.NullPool)


@pytest.fixture(scope="module")
def servers(primary: Settings) -> Iterator[tuple[int, int]]:
    """(port of the server on the primary, port of the server reading the standby)."""
    owner = replace(primary, database_url=_url(primary, "daoan"))
    common = {"DAOAN_APP_DATABASE_URL": _url(primary, APP_ROLE), "DAOAN_TILE_CACHE_MB": "0"}
    reading = {
        **common,
        "DAOAN_READ_DATABASE_URL": Standby(primary).url(),
        "DAOAN_REPLICA_MAX_LAG_S": "2",
        "DAOAN_READ_YOUR_WRITES_WAIT_S": "0.5",
        "DAOAN_REPLICA_RETRY_S": "1",
    }
    logdir = primary.var_dir  # removed with the clusters; printed when a server does not start
    logs = [(logdir / f"server-{i}.log").open("wb") for i in range(2)]
    procs = [
        start_server(owner, workers=1, threads=2, env=env, stderr=log.fileno())
        for env, log in zip((common, reading), logs, strict=True)
    ]
    try:
        for i, (_proc, port) in enumerate(procs):
            try:
                wait_healthy(port, 90)
            except BaseException:
                print((logdir / f"server-{i}.log").read_text()[-5000:])
                raise
        _warm_up(procs[0][1], procs[1][1])
        yield procs[0][1], procs[1][1]
    finally:
        for proc, _port in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, _port in procs:
            proc.wait(timeout=40)
        for log in logs:
            log.close()


def _warm_up(writer: int, reader: int) -> None:
    """A closure and its end seen once by the reader: the first overlay with an incident of a fresh
    worker may compile kernels (numba's cache empty on a fresh checkout), which the 1 s test must not time."""
    status, _head, body = request(writer, "POST", "/incidents", CLOSURE, auth(), timeout=180)
    assert status == 201, body
    ident = body["id"]  # type: ignore[index]
    deadline = time.monotonic() + 180
    while (
        ident not in request(reader, "GET", ROUTE, timeout=180)[2]["features"][0]["properties"]["avoided_incident_ids"]
    ):  # type: ignore[index]
        assert time.monotonic() < deadline, "the reader never saw the warm-up closure"
        time.sleep(0.2)
    request(writer, "DELETE", f"/incidents/{ident}", headers=auth(), timeout=180)
    # ...and its end seen too: the tests start from the open road (the replica replays the end a moment later)
    while ident in request(reader, "GET", ROUTE, timeout=180)[2]["features"][0]["properties"]["avoided_incident_ids"]:  # type: ignore[index]
        assert time.monotonic() < deadline, "the reader never saw the warm-up closure end"
        time.sleep(0.1)


def request(
    port: int, method: str, path: str, body=None, headers=None, timeout: float = 30
) -> tuple[int, dict, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    raw = resp.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed


def route(port: int, headers=None) -> tuple[dict, dict]:
    status, head, body = request(port, "GET", ROUTE, headers=headers)
    assert status == 200, body
    return body["features"][0]["properties"], head  # type: ignore[index]


def test_the_standby_follows_the_primary_and_refuses_writes(primary):
    stand, main = _owner(primary, standby=True), _owner(primary)
    try:
        with stand.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is True
            with pytest.raises(sa.exc.InternalError, match="read-only"):
                conn.execute(sa.text("DELETE FROM incidents"))
        with main.connect() as conn:
            slot = conn.execute(sa.text("SELECT active FROM pg_replication_slots WHERE slot_name = 'daoan_replica'"))
            assert slot.scalar() is True
    finally:
        stand.dispose()
        main.dispose()


def test_a_closure_on_the_primary_changes_routes_read_on_the_standby_within_a_second(servers):
    writer, reader = servers
    before, head = route(reader)
    assert head["daoan-read-from"] == "replica 1" and before["route_codes"] == ["G4"]
    status, head, body = request(writer, "POST", "/incidents", CLOSURE, auth())
    assert status == 201, body
    assert "daoan-lsn" in head and "daoan_lsn=" in head["set-cookie"]
    posted = time.monotonic()
    while True:
        after, head = route(reader)
        if body["id"] in after["avoided_incident_ids"]:  # type: ignore[index]
            break
        assert time.monotonic() - posted < 1.0, "the reader did not see the closure within 1 s"
        time.sleep(0.02)
    assert head["daoan-read-from"] == "replica 1" and after["duration_s"] > before["duration_s"]
    request(writer, "DELETE", f"/incidents/{body['id']}", headers=auth())  # type: ignore[index]


def test_read_your_writes_and_a_lagging_standby(primary, servers):
    writer, reader = servers
    stand = _owner(primary, standby=True)
    try:
        with stand.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
        status, head, body = request(writer, "POST", "/incidents", CLOSURE, auth())
        assert status == 201
        lsn, ident = head["daoan-lsn"], body["id"]  # type: ignore[index]
        # With the write's position the reader waits (bounded), then reads the primary: the closure is there.
        t0 = time.monotonic()
        fresh, head = route(reader, {"Daoan-Lsn": lsn})
        assert head["daoan-read-from"] == "primary" and ident in fresh["avoided_incident_ids"]
        assert time.monotonic() - t0 < 3.0
        _status, head, _ = request(
            reader, "GET", "/collections/incidents/items", headers={"Cookie": f"daoan_lsn={lsn}"}
        )
        assert head["daoan-read-from"] == "primary"
        assert request(reader, "GET", ROUTE, headers={"Daoan-Lsn": "not-a-position"})[0] == 400
        # Behind by more than the bound (2 s): the standby is skipped.
        time.sleep(2.7)
        _stale, head = route(reader)
        assert head["daoan-read-from"] == "primary"
        with stand.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
        deadline = time.monotonic() + 5
        while route(reader, {"Daoan-Lsn": lsn})[1]["daoan-read-from"] != "replica 1":
            assert time.monotonic() < deadline, "the standby was not used again once it caught up"
            time.sleep(0.1)
    finally:
        with stand.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
        stand.dispose()
        request(writer, "DELETE", f"/incidents/{ident}", headers=auth())


def _reads_all_answer(port: int) -> set[str]:
    """Features, a tile and a route from `port`: each 200; the servers they were read from."""
    sources = set()
    for path in ("/collections/road_segments/items?limit=5", TILE, ROUTE):
        status, head, body = request(port, "GET", path)
        assert status == 200, (path, body)
        sources.add(head.get("daoan-read-from", "-"))
    return sources


def test_the_standby_down_reads_go_to_the_primary(primary, servers):
    _writer, reader = servers
    stop_standby(primary)
    try:
        for _ in range(3):
            assert _reads_all_answer(reader) <= {"primary", "-"}
    finally:
        start_standby(primary)
    deadline = time.monotonic() + 10
    while "replica 1" not in _reads_all_answer(reader):
        assert time.monotonic() < deadline, "the standby was not read again after it came back"
        time.sleep(0.2)


def test_the_primary_down_reads_go_on_writes_503_and_the_audit_waits(primary, servers):
    _writer, reader = servers
    main = _owner(primary)
    with main.connect() as conn:
        audited = conn.execute(sa.text("SELECT count(*) FROM read_audit")).scalar()
    stop_cluster(primary)
    try:
        assert _reads_all_answer(reader) == {"replica 1"}
        for _ in range(3):
            status, head, body = request(reader, "GET", STATIONS, headers=auth(ADMIN_TOKEN))
            assert status == 200 and len(body["features"]) == 1  # type: ignore[index]
        status, head, _body = request(reader, "POST", "/incidents", CLOSURE, auth())
        assert status == 503 and int(head["retry-after"]) > 0
        time.sleep(1.5)  # the audit writer has tried (and kept the entries)
    finally:
        ensure_cluster(primary)
    deadline = time.monotonic() + 15
    while True:
        with main.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT count(*) FROM read_audit WHERE layer = 'enforcement_stations'")
            ).scalar()
        if rows - 0 >= 3 + audited:
            break
        assert time.monotonic() < deadline, f"audit rows written after the primary returned: {rows - audited} of 3"
        time.sleep(0.3)
    main.dispose()
    status, _head, body = request(reader, "POST", "/incidents", CLOSURE, auth())
    assert status == 201, body


def test_audit_rows_kept_at_shutdown_are_written_by_the_next_writer(engine, tmp_path):
    from gis.audit import AuditEntry, AuditLog

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM read_audit WHERE token_name = 'spool-test'"))
    down = sa.create_engine("postgresql+psycopg2://nobody@/nonesuch?host=/nonexistent")
    spool = tmp_path / "audit-spool"
    first = AuditLog(down, keep_while_unreachable=True, spool_dir=spool, linger_s=0.05)
    for i in range(3):
        first.record(AuditEntry("spool-test", "viewer", "enforcement_stations", "GET", "/x", {"i": str(i)}, i))
    time.sleep(0.5)
    assert first.held == 3 and first.dropped == 0
    first.close()
    files = list(spool.glob("audit-*.json"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    second = AuditLog(engine, keep_while_unreachable=True, spool_dir=spool, linger_s=0.05)
    second.record(AuditEntry("spool-test", "viewer", "enforcement_stations", "GET", "/x", {"i": "3"}, 3))
    assert second.flush()
    second.close()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT features FROM read_audit WHERE token_name = 'spool-test' ORDER BY features")
        ).scalars()
        assert list(rows) == [0, 1, 2, 3]
    assert list(spool.iterdir()) == []
