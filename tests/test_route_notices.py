"""A route says how it was planned, in the language asked (issue 13): with ignore=incidents it says so
and names the closures it passes; English steps and signs name exits in English ('the Hengshan South
exit'), with the characters the sign shows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gis.root import root_of
from routing.romanise import exit_en
from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import lat, load_corridor

NORTH = f"112.95,{lat(0) + 0.001}"
SOUTH = f"112.95,{lat(20) - 0.001}"
HAN = re.compile(r"[\u3400-\u9fff]")

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def no_incidents(engine, app):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))
    # a write straight to the database: the app reads the new versions now, not up to a TTL later
    root_of(app).versions.expire()
    yield


def get(client, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    resp = client.get(f"/route?from={NORTH}&to={SOUTH}&{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_route_that_ignores_incidents_says_so_and_names_the_closures_it_passes(client):
    assert "notices" not in get(client)
    quiet = get(client, ignore="incidents")["notices"]
    assert [n["kind"] for n in quiet] == ["incidents_ignored"] and quiet[0]["incident_ids"] == []
    assert "未避让现行交通管制" in quiet[0]["text"] and "无现行封闭" in quiet[0]["text"]
    body = {"kind": "accident", "route": "G4", "from_stake": "K1520+000", "to_stake": "K1530+000", "direction": "both"}
    inc = client.post("/incidents", json=body, headers=auth(OPERATOR_TOKEN)).get_json()
    free = get(client, ignore="incidents")
    assert "G4" in free["features"][0]["properties"]["route_codes"]  # straight through the closure
    notice = free["notices"][0]
    assert notice["incident_ids"] == [inc["id"]]
    assert "途经现行管制1处（其中封闭1处）" in notice["text"], notice
    english = get(client, ignore="incidents", lang="en")["notices"][0]["text"]
    assert "without avoiding" in english and "ignore=" not in english and not HAN.search(english)
    # a route that does not ignore them avoids the closure and carries no notice
    assert "notices" not in get(client)


def test_a_route_that_ignores_the_weather_says_so_and_names_the_fog_measures_it_passes(client):
    """ignore=weather plans as if no fog or ice acted; the answer says so and counts the sections under a
    weather measure that the route then drives (a fog cap here: visibility 80 m caps the zone at 40 km/h)."""
    clear = get(client, ignore="weather")["notices"]
    assert [n["kind"] for n in clear] == ["weather_ignored"] and clear[0]["hazard_ids"] == []
    assert (
        clear[0]["text"].startswith("本路线按您的要求未考虑现行天气管制") and "途中无现行天气管制" in clear[0]["text"]
    )
    assert "ignore=" not in clear[0]["text"]
    resp = client.post(
        "/weather/observations", json={"station_code": "VIS-1", "visibility_m": 80}, headers=auth(OPERATOR_TOKEN)
    )
    assert resp.status_code == 201, resp.get_json()
    foggy = get(client, ignore="weather")
    notice = foggy["notices"][0]
    assert notice["kind"] == "weather_ignored" and notice["hazard_ids"], notice
    assert f"途经受天气管制路段{len(notice['hazard_ids'])}处（其中封闭0处）" in notice["text"], notice
    heeded = get(client)
    assert (
        "notices" not in heeded
        and heeded["features"][0]["properties"]["duration_s"] > foggy["features"][0]["properties"]["duration_s"]
    )
    both = get(client, ignore="incidents,weather", lang="en")["notices"]
    assert [n["kind"] for n in both] == ["incidents_ignored", "weather_ignored"]
    assert "fog and ice measures" in both[1]["text"] and not HAN.search(both[1]["text"])
    # the zones themselves are no weather measure: their warnings stay on the steps (a fog-prone section)
    props = foggy["features"][0]["properties"]
    assert props["hazard_ids"], props["hazard_ids"]
    notes = [w["text"] for step in props["steps"] for w in step.get("warnings", [])]
    assert any("团雾多发路段" in t for t in notes), notes


def test_english_steps_name_the_exit_in_english(client, engine):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET name = '衡山南互通匝道' WHERE road_class = 'link'"))
    root_of(client.application).versions.expire()
    try:
        steps = get(client, lang="en")["features"][0]["properties"]["steps"]
        g4 = next(s["instruction"] for s in steps if "G4" in s["instruction"])
        assert "towards the Hengshan South exit, then take the exit at 衡山南" in g4, g4
        # The ramp onto the expressway passes the interchange's toll station; the step names it.
        i = next(i for i, s in enumerate(steps) if s["maneuver"]["type"] == "merge")
        assert steps[i - 1]["maneuver"]["type"] == "ramp"
        assert "through the Hengshan South toll station" in steps[i - 1]["instruction"], steps[i - 1]
        zh = get(client)["features"][0]["properties"]["steps"]
        assert zh[i - 1]["instruction"].startswith("经衡山南收费站进入匝道，沿匝道"), zh[i - 1]
        assert not any(s["instruction"].startswith("经") for s in zh[i:] if s["maneuver"]["type"] == "ramp"), zh
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE road_segments SET name = NULL WHERE road_class = 'link'"))
        root_of(client.application).versions.expire()
    assert exit_en("长沙枢纽") == "Changsha hub interchange"
    assert exit_en("湘潭北") == "Xiangtan North exit" and exit_en("星沙") == "Xingsha exit"
