"""Finding places on roads: stake to point, point to stake, search."""

from __future__ import annotations

import pytest

from gis.stake import format_stake, parse_stake
from tests.conftest import module_data
from tests.netfixture import load_small_network

network = module_data(load_small_network, name="network")


def test_locate_stake_gives_point_on_route(client):
    body = client.get("/locate?route=G107&stake=K1505%2B500").get_json()
    lon, lat = body["geometry"]["coordinates"]
    assert lon == pytest.approx(112.95)
    assert lat == pytest.approx(28.10 + 5 * 0.009, abs=1e-6)  # K1505+500 is the start of the 6th segment
    assert body["properties"]["stake"] == "K1505+500"


def test_unencoded_plus_in_stake_is_understood(client):
    assert client.get("/locate?route=G107&stake=K1505+500").status_code == 200


def test_stake_without_metres_is_the_whole_kilometre(client):
    whole = client.get("/locate?route=G107&stake=K1505").get_json()
    exact = client.get("/locate?route=G107&stake=K1505%2B000").get_json()
    assert whole["properties"]["stake"] == "K1505+000"
    assert whole["geometry"]["coordinates"] == exact["geometry"]["coordinates"]
    assert client.get("/locate?route=G107&stake=K1505%2B").status_code == 400  # a '+' with nothing after it


def test_stake_not_on_route_is_422_with_range(client):
    resp = client.get("/locate?route=G107&stake=K1600%2B000")
    assert resp.status_code == 422
    assert "K1500+000" in resp.get_json()["detail"] and "K1511+000" in resp.get_json()["detail"]


def test_unknown_route_is_422(client):
    assert client.get("/locate?route=G999&stake=K1%2B000").status_code == 422


def test_locate_point_gives_road_and_stake(client):
    body = client.get("/locate?at=112.9503,28.1045").get_json()
    props = body["properties"]
    assert props["route_code"] == "G107"
    assert props["stake"] == format_stake(1500000 + 0.0045 / 0.009 * 1100)
    assert props["distance_m"] == pytest.approx(29.3, abs=1.0)
    assert props["offset_m"] < 0  # east of a northbound line is to its right


def test_locate_needs_a_parameter(client):
    resp = client.get("/locate")
    assert resp.status_code == 400


def test_locate_rejects_text_coordinates(client):
    resp = client.get("/locate?at=east,north")
    assert resp.status_code == 400 and "east,north" in resp.get_json()["detail"]


def test_search_finds_road_by_route_code_and_name(client):
    body = client.get("/search?q=g107").get_json()
    assert body["roads"][0]["route_code"] == "G107" and body["roads"][0]["segments"] == 10
    body = client.get("/search?q=长韶娄").get_json()
    assert body["roads"][0]["route_code"] == "S20"


def test_search_finds_facilities_by_chinese_substring(client):
    body = client.get("/search?q=摄像机25").get_json()
    names = {f["properties"]["name"] for f in body["facilities"]["features"]}
    assert "测试摄像机25" in names and all("摄像机25" in n for n in names)


def test_search_escapes_like_wildcards(client):
    assert client.get("/search?q=%25").get_json()["roads"] == []


def test_empty_search_is_400(client):
    assert client.get("/search?q=").status_code == 400


@pytest.mark.parametrize(("text", "metres"), [("K1330", 1330000), ("k7", 7000), (" K0 ", 0)])
def test_stake_without_metres_parses(text, metres):
    assert parse_stake(text) == metres


@pytest.mark.parametrize("text", ["K0+000", "K1530+200", "K12+999", "K99999+001"])
def test_stake_round_trip(text):
    assert format_stake(parse_stake(text)) == text


def test_bad_stake_text_is_rejected():
    from gis.errors import InvalidParameter

    for bad in ("1530+200", "K12+1000", "Kabc", ""):
        with pytest.raises(InvalidParameter):
            parse_stake(bad)
