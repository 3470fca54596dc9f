"""Concurrent writes to one incident, through `daoan serve` with several workers and threads: no
lost update, one winner per If-Match, exactly one end, no change after the end (409 before 412), a
history that replays to the stored state, and strong ETags (304 on If-None-Match).

Each race opens its connections first and releases every request at once (a barrier), so the
requests really overlap in the server's workers and in PostgreSQL."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from tests.conftest import ADMIN_TOKEN, module_data
from tests.serving import daoan_server
from tests.test_routing_network import load_corridor

RACERS = 50
CLOSURE = {
    "kind": "works",
    "effect": "restricted",
    "speed_cap_kmh": 80,
    "route": "G4",
    "from_stake": "K1520+000",
    "to_stake": "K1525+000",
    "direction": "southbound",
    "description": "start",
}

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(scope="module")
def port(settings, corridor) -> Iterator[int]:
    with daoan_server(settings, workers=3, threads=8, start_s=600) as p:  # builds and warms routing first
        yield p


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """(status, headers, JSON body) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        return _send(conn, method, path, body, headers)
    finally:
        conn.close()


def _send(conn, method, path, body, headers):  # type: ignore[no-untyped-def]
    h = {"Authorization": f"Bearer {ADMIN_TOKEN}", **(headers or {})}  # the server knows the admin token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, resp.headers, json.loads(raw) if raw else None  # headers: case-insensitive


def race(port: int, calls: list[tuple[str, str, dict | None, dict | None]]) -> list[tuple[int, dict, dict]]:
    """Send every call at once, each on its own connection; answers in the order of `calls`."""
    start = threading.Barrier(len(calls))

    def one(call):  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        start.wait()
        try:
            return _send(conn, *call)
        finally:
            conn.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def declare(port: int) -> tuple[int, str]:
    status, headers, feature = request(port, "POST", "/incidents", CLOSURE)
    assert status == 201, feature
    return feature["id"], headers["ETag"]


def replay(history: list[dict]) -> dict:
    """The state the history describes: every change applied in order over the declaration."""
    state: dict = {}
    for h in history:
        state.update(h["changes"])
    return state


def same_time(a: str | None, b: str | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b)
    )


def test_racing_patches_without_if_match_lose_no_update(port):
    ident, _ = declare(port)
    # Three fields changed by turns: a change that overwrote another with stale values would show as a
    # field that differs from the last change to it in the history (or as two changes with one version).
    changes = [
        {"description": f"change {i}"}
        if i % 3 == 0
        else {"speed_cap_kmh": 20 + i}
        if i % 3 == 1
        else {"ends_at": f"2099-01-01T{i // 60:02d}:{i % 60:02d}:00+08:00"}
        for i in range(RACERS)
    ]
    answers = race(port, [("PATCH", f"/incidents/{ident}", c, None) for c in changes])
    assert [a[0] for a in answers] == [200] * RACERS, [a[2] for a in answers if a[0] != 200][:3]

    status, headers, final = request(port, "GET", f"/incidents/{ident}")
    assert status == 200
    p = final["properties"]
    history = p["history"]
    assert [h["version"] for h in history] == list(range(1, RACERS + 2))
    assert p["version"] == RACERS + 1 and headers["ETag"] == f'"{RACERS + 1}-in_force"'
    # Every PATCH answered a distinct version, and what it answered is the history replayed to it.
    assert sorted(a[2]["properties"]["version"] for a in answers) == list(range(2, RACERS + 2))
    for _, _, feature in answers:
        got = feature["properties"]
        want = replay(history[: got["version"]])
        assert got["description"] == want["description"]
        assert got["speed_cap_kmh"] == want["speed_cap_kmh"]
        assert same_time(got["ends_at"], want.get("ends_at"))
    want = replay(history)
    assert p["description"] == want["description"] and p["speed_cap_kmh"] == want["speed_cap_kmh"]
    assert same_time(p["ends_at"], want["ends_at"])
    assert p["from_stake"] == "K1520+000" and p["direction_label"] == "southbound"  # the place is kept


def test_racing_patches_with_one_if_match_have_one_winner(port):
    ident, etag = declare(port)
    answers = race(
        port,
        [("PATCH", f"/incidents/{ident}", {"description": f"writer {i}"}, {"If-Match": etag}) for i in range(RACERS)],
    )
    statuses = sorted(a[0] for a in answers)
    assert statuses == [200] + [412] * (RACERS - 1)
    winner = next(a for a in answers if a[0] == 200)
    losers = [a for a in answers if a[0] == 412]
    assert all(a[1]["Content-Type"] == "application/problem+json" for a in losers)
    assert all(a[2]["parameter"] == "If-Match" and "GET it again" in a[2]["detail"] for a in losers)
    _, headers, final = request(port, "GET", f"/incidents/{ident}")
    assert final["properties"]["description"] == winner[2]["properties"]["description"]
    assert [h["action"] for h in final["properties"]["history"]] == ["create", "update"]
    assert headers["ETag"] == winner[1]["ETag"] != etag


def test_racing_ends_end_once(port):
    ident, _ = declare(port)
    answers = race(port, [("DELETE", f"/incidents/{ident}", None, None)] * RACERS)
    statuses = sorted(a[0] for a in answers)
    assert statuses == [200] + [409] * (RACERS - 1)
    _, _, final = request(port, "GET", f"/incidents/{ident}")
    p = final["properties"]
    assert p["status"] == "ended" and [h["action"] for h in p["history"]] == ["create", "end"]
    assert p["version"] == 2


def test_no_change_after_the_end_even_with_a_stale_if_match(port):
    ident, first = declare(port)
    status, headers, _ = request(port, "PATCH", f"/incidents/{ident}", {"description": "before the end"})
    assert status == 200
    current = headers["ETag"]
    status, ended_headers, _ = request(port, "DELETE", f"/incidents/{ident}", headers={"If-Match": current})
    assert status == 200
    for tag in (first, current, ended_headers["ETag"], "*", None):
        h = {"If-Match": tag} if tag else {}
        status, _, problem = request(port, "PATCH", f"/incidents/{ident}", {"description": "after"}, h)
        assert status == 409 and "ended" in problem["detail"], (tag, problem)
        assert request(port, "DELETE", f"/incidents/{ident}", headers=h)[0] == 409
    _, _, final = request(port, "GET", f"/incidents/{ident}")
    assert final["properties"]["description"] == "before the end"
    assert [h["action"] for h in final["properties"]["history"]] == ["create", "update", "end"]


def test_etags_are_strong_and_every_answer_carries_one(port):
    ident, created = declare(port)
    assert not created.startswith("W/") and created == '"1-in_force"'
    status, headers, _ = request(port, "GET", f"/incidents/{ident}")
    assert status == 200 and headers["ETag"] == created
    assert request(port, "GET", f"/incidents/{ident}", headers={"If-None-Match": created})[0] == 304
    status, patched, _ = request(port, "PATCH", f"/incidents/{ident}", {"speed_cap_kmh": 60}, {"If-Match": created})
    assert status == 200 and patched["ETag"] == '"2-in_force"'
    assert request(port, "GET", f"/incidents/{ident}", headers={"If-None-Match": created})[0] == 200
    status, _, problem = request(port, "DELETE", f"/incidents/{ident}", headers={"If-Match": created})
    assert status == 412 and problem["parameter"] == "If-Match"
    assert request(port, "PATCH", f"/incidents/{ident}", {"speed_cap_kmh": 50}, {"If-Match": "*"})[0] == 200
    # a weak tag never matches If-Match (RFC 9110 compares strongly)
    status, headers, _ = request(port, "GET", f"/incidents/{ident}")
    assert request(port, "DELETE", f"/incidents/{ident}", headers={"If-Match": "W/" + headers["ETag"]})[0] == 412


def test_appenders_that_retry_on_412_keep_every_word(port):
    ident, _ = declare(port)
    writers, rounds = 10, 3

    def append(i: int) -> int:
        tries = 0
        for r in range(rounds):
            while True:
                tries += 1
                _, headers, feature = request(port, "GET", f"/incidents/{ident}")
                text = feature["properties"]["description"] + f" w{i}r{r}"
                status, _, _ = request(
                    port, "PATCH", f"/incidents/{ident}", {"description": text}, {"If-Match": headers["ETag"]}
                )
                if status == 200:
                    break
                assert status == 412
        return tries

    with ThreadPoolExecutor(writers) as pool:
        tries = sum(pool.map(append, range(writers)))
    _, _, final = request(port, "GET", f"/incidents/{ident}")
    words = final["properties"]["description"].split()
    assert sorted(words[1:]) == sorted(f"w{i}r{r}" for i in range(writers) for r in range(rounds))
    assert final["properties"]["version"] == 1 + writers * rounds and tries >= writers * rounds
