"""GET /weather/low-visibility: the stations whose latest reading in force is below the threshold (the
wall screen's 低能见度站点 counter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa


def _station(conn, code: str, lon: float) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO weather_stations (name, kind, station_code, status, geom) "
            "VALUES (:n, 'visibility', :c, 'active', ST_SetSRID(ST_MakePoint(:lon, 28.0), 4326)) RETURNING id"
        ),
        {"n": f"{code}站", "c": code, "lon": lon},
    ).scalar_one()


def _reading(conn, station: int, visibility: float, minutes_ago: float) -> None:
    conn.execute(
        sa.text("INSERT INTO weather_observations (station_id, observed_at, visibility_m) VALUES (:s, :t, :v)"),
        {"s": station, "t": datetime.now(UTC) - timedelta(minutes=minutes_ago), "v": visibility},
    )


def test_only_the_latest_reading_in_force_counts(client, empty_db):
    with empty_db.begin() as conn:
        foggy = _station(conn, "V1", 112.0)
        cleared = _station(conn, "V2", 112.1)
        stale = _station(conn, "V3", 112.2)
        _station(conn, "V4", 112.3)  # no reading: not reporting
        _reading(conn, foggy, 900, 20)
        _reading(conn, foggy, 120, 5)  # fog came down
        _reading(conn, cleared, 80, 20)
        _reading(conn, cleared, 2000, 2)  # fog lifted
        _reading(conn, stale, 60, 45)  # older than observation_valid_min (30 min)
    body = client.get("/weather/low-visibility").get_json()
    assert [f["id"] for f in body["features"]] == [foggy]
    assert body["features"][0]["properties"]["visibility_m"] == 120
    assert body["reporting"] == 2 and body["below_m"] == 500
    assert [f["id"] for f in client.get("/weather/low-visibility?below_m=3000").get_json()["features"]] == [
        foggy,
        cleared,
    ]


def test_a_bad_threshold_is_named(client):
    resp = client.get("/weather/low-visibility?below_m=fog")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "below_m"
