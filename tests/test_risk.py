"""The risk model recovers the coefficients the demo's accidents were drawn with (within 3 SE): road
class, hazard zones, curvature, grade and altitude bands, hour band and weather class; and the live
scores follow the stored model, the hour and the weather posted."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from analysis import risk_live
from analysis import risk_terms as rt
from analysis.records import Scope
from analysis.risk import fit, store
from analysis.weather_history import from_observations
from cli import main
from layers.demo import load_demo
from layers.demo.accidents import (
    ALTITUDE_FACTOR,
    CLASS_RATE,
    CURVE_FACTOR,
    GRADE_FACTOR,
    HOUR_FACTOR,
    PERIOD_START,
    PERIOD_YEARS,
    WEATHER_FACTOR,
    ZONE_FACTOR,
    _zone_flags,
)
from layers.demo.generate import SIZES, Seeds, generate_world
from layers.demo.hazards import expressway_hazards, road_hazards
from layers.demo.load import imported_segments
from tests.conftest import OPERATOR_TOKEN, auth, truncate_all

SCOPE = Scope(PERIOD_START, PERIOD_START.replace(year=PERIOD_START.year + PERIOD_YEARS))


def generating() -> dict[str, float]:
    """Every generating coefficient by the model's term name."""
    out = {f"class:{c}": math.log(r) for c, r in CLASS_RATE.items()}
    out |= {f"zone:{k}": math.log(f) for k, f in ZONE_FACTOR.items()}
    for prefix, table in (("curve", CURVE_FACTOR), ("grade", GRADE_FACTOR), ("altitude", ALTITUDE_FACTOR)):
        out |= {f"{prefix}:{k}": math.log(f) for k, f in table.items()}
    out |= {f"hour:{k}": math.log(f) for k, f in HOUR_FACTOR.items() if k != rt.REFERENCE_BAND}
    out |= {f"weather:{k}": math.log(f) for k, f in WEATHER_FACTOR.items() if k != "clear"}
    return out


@pytest.fixture(scope="module")
def demo(engine: sa.Engine, settings) -> list[int]:
    """The small demo loaded (without the zones derived from its synthetic DEM, which the accident
    generator does not know); the ids of the segments holding a black-spot cluster. The clusters are a
    point component of the generator (Poisson(CLUSTER_MEAN) accidents at each demo black-spot place),
    not a rate factor, so the test leaves their segments out of the fit."""
    truncate_all(engine)
    load_demo(engine, settings, size="small", seed=2017)
    with engine.begin() as conn:  # the accidents were drawn from the demo's own zones, not the DEM's
        conn.execute(sa.text("DELETE FROM hazard_zones WHERE source = 'dem'"))
    world = generate_world(SIZES["small"], 2017, lambda _: None)
    seeds = Seeds(2017)
    hazards = expressway_hazards(world, seeds("expressway hazards")) + road_hazards(world, seeds("road hazards"))
    _, spots = _zone_flags(world, hazards)
    with engine.connect() as conn:  # the generator's segments as the demo's road file imported them
        spot_segments = imported_segments(conn, [e for e, _ in spots])
    yield spot_segments
    truncate_all(engine)


@pytest.fixture(scope="module")
def poisson(engine: sa.Engine, demo):
    return fit(engine, SCOPE, exclude=demo)


def test_poisson_fit_recovers_each_generating_coefficient(engine: sa.Engine, poisson) -> None:
    model = poisson
    truth = generating()
    checked = []
    for name in model.names:
        if name not in truth:
            continue
        est, se = model.term(name)
        assert abs(est - truth[name]) <= 3 * se, (name, est, se, truth[name])
        checked.append(name)
    # the small demo has most classes and zone kinds, both curvature bands, a grade and an altitude
    # band, every hour band and weather class
    assert len(checked) >= 18, checked
    for prefix in ("curve:", "grade:", "altitude:", "hour:", "weather:"):
        assert any(n.startswith(prefix) for n in checked), (prefix, checked)
    assert {f"weather:{w}" for w in ("rain", "fog", "ice")} <= set(checked)
    assert model.cells > len(model.names) and model.exposure_km_years > 0
    assert model.statistics["accidents_without_weather"] == 0  # every accident hour has the station's weather


def test_model_is_stored_with_its_terms_period_and_statistics(engine: sa.Engine, poisson) -> None:
    model_id = store(engine, poisson)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM risk_models WHERE id = :i"), {"i": model_id}).one()
        n_seg, n_risk = conn.execute(
            sa.text("SELECT (SELECT count(*) FROM road_segments), count(*) FROM risk_segments")
        ).one()
    assert row.family == "poisson" and row.current and row.accidents == poisson.accidents
    assert {t["name"] for t in row.terms} == set(poisson.names)
    assert row.cells == poisson.cells and row.statistics["df_resid"] == poisson.cells - len(poisson.names)
    assert row.period_start == SCOPE.start and row.period_end == SCOPE.end
    assert row.settings["weather"]["fog_below_m"] == rt.FOG_BELOW_M
    assert set(row.baselines) >= {"expressway", "township"}
    assert abs(sum(row.weather_shares["night"].values()) - 1.0) < 1e-9
    assert n_risk == n_seg


def test_negative_binomial_fit_estimates_alpha(engine: sa.Engine, demo) -> None:
    model = fit(engine, SCOPE, family="negative_binomial", exclude=demo)
    assert model.alpha is not None and model.alpha >= 0
    est, se = model.term("weather:fog")
    assert abs(est - math.log(WEATHER_FACTOR["fog"])) <= 3 * se + 0.2


def test_live_scores_follow_the_hour_and_the_weather_in_force(engine: sa.Engine, poisson) -> None:
    model_id = store(engine, poisson)
    coef = dict(zip(poisson.names, poisson.estimates.tolist(), strict=True))
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=rt.BEIJING)
    night = noon.replace(hour=3)
    day_scores = risk_live.scores(engine, noon)
    with engine.connect() as conn:
        n_segments = conn.execute(sa.text("SELECT count(*) FROM road_segments")).scalar_one()
        station = conn.execute(
            sa.text("SELECT station_id, count(*) AS n FROM risk_segments GROUP BY station_id ORDER BY n DESC LIMIT 1")
        ).one()
    assert day_scores.model_id == model_id and len(day_scores) == n_segments
    assert np.all(np.isfinite(day_scores.expected)) and np.all(day_scores.expected > 0)
    assert (day_scores.weather == risk_live.UNKNOWN).all()  # nothing posted
    # the night band's factor, relative to the day band, under the period's weather mix of each band
    night_scores = risk_live.scores(engine, night)
    share = poisson.weather_shares
    mix = {b: sum(share[b][w] * math.exp(coef.get(f"weather:{w}", 0.0)) for w in rt.WEATHER_CLASSES)
           for b in ("day", "night")}  # fmt: skip
    ratio = night_scores.expected / day_scores.expected
    assert np.allclose(ratio, math.exp(coef["hour:night"]) * mix["night"] / mix["day"])
    # fog posted at one station an hour ago: its segments take the fog factor, the others keep the mix
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO weather_observations (station_id, observed_at, visibility_m) VALUES (:s, :t, 150)"),
            {"s": station.station_id, "t": noon - timedelta(hours=1)},
        )
        mine = np.array(
            conn.execute(
                sa.text("SELECT segment_id FROM risk_segments WHERE station_id = :s ORDER BY segment_id"),
                {"s": station.station_id},
            )
            .scalars()
            .all()  # fmt: skip
        )
    foggy = risk_live.scores(engine, noon)
    at_station = np.isin(foggy.segment_id, mine)
    assert at_station.sum() == station.n
    assert (foggy.weather[at_station] == rt.WEATHER_CLASSES.index("fog")).all()
    assert (foggy.weather[~at_station] == risk_live.UNKNOWN).all()
    assert np.allclose(foggy.expected[at_station] / day_scores.expected[at_station],
                       math.exp(coef["weather:fog"]) / mix["day"])  # fmt: skip
    assert np.array_equal(foggy.expected[~at_station], day_scores.expected[~at_station])
    # relative risk: over the class's baseline, which is the class's mean fitted rate
    expressway = foggy.road_class == "expressway"
    assert np.allclose(foggy.relative[expressway], foggy.expected[expressway] / poisson.baselines["expressway"])
    # after a change to the network the segments are read with their classes again: the same scores
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET name = name WHERE id = 1"))
    again = risk_live.scores(engine, noon)
    assert np.array_equal(again.segment_id, foggy.segment_id) and np.array_equal(again.road_class, foggy.road_class)
    assert np.allclose(again.expected, foggy.expected) and np.allclose(again.relative, foggy.relative)
    # four hours later the reading is no longer in force
    later = risk_live.scores(engine, noon + timedelta(hours=4) - timedelta(minutes=1))
    assert (later.weather == risk_live.UNKNOWN).all()


def test_http_risk_lists_the_highest_relative_risk_first(engine: sa.Engine, poisson, client) -> None:
    store(engine, poisson)
    url = "/analysis/risk?at=2026-03-02T12:00:00%2B08:00&limit=5"
    assert client.get(url).status_code == 401
    resp = client.get(url, headers=auth())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"].startswith("private") or "no-store" in resp.headers["Cache-Control"]
    body = resp.get_json()
    expected = risk_live.scores(engine, datetime(2026, 3, 2, 12, tzinfo=rt.BEIJING))
    assert body["segments_scored"] == len(expected) and body["hour_band"] == "day"
    relative = [f["properties"]["relative"] for f in body["features"]]
    assert len(relative) == 5 and relative == sorted(relative, reverse=True)
    assert relative[0] == round(float(np.nanmax(expected.relative)), 3)
    assert all(f["geometry"]["type"] == "LineString" for f in body["features"])
    township = client.get(url + "&road_class=township", headers=auth()).get_json()
    assert {f["properties"]["road_class"] for f in township["features"]} == {"township"}
    for query, parameter in (("at=tomorrow", "at"), ("limit=0", "limit"), ("road_class=motorway", "road_class"),
                             ("min_relative=-1", "min_relative")):  # fmt: skip
        bad = client.get(f"/analysis/risk?{query}", headers=auth())
        assert bad.status_code in (400, 422) and bad.mimetype == "application/problem+json", query
        assert parameter in bad.get_data(as_text=True), query


def test_http_risk_at_a_future_time_uses_the_forecast_valid_then(engine: sa.Engine, poisson, client) -> None:
    """A fog forecast posted for one station: scores six hours ahead (past any reading's 3 h) give that
    station's segments the fog class and say the forecast was used; an hour ahead without a forecast the
    reading posted now still stands; now, a station's reading beats its forecast."""
    store(engine, poisson)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE weather_forecasts, weather_observations RESTART IDENTITY"))
        first, second = conn.execute(
            sa.text("SELECT station_id, count(*) AS n FROM risk_segments GROUP BY station_id ORDER BY n DESC LIMIT 2")
        ).all()
    now = datetime.now(UTC)
    ahead = now + timedelta(hours=6)

    def risk(at: datetime) -> dict:
        resp = client.get(f"/analysis/risk?at={quote(at.isoformat())}&limit=1", headers=auth())
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()

    before = risk(ahead)
    assert before["weather_sources"] == {"none": before["segments_scored"], "observation": 0, "forecast": 0}
    resp = client.post(
        "/weather/forecasts",
        json={"forecasts": [
            {"station_id": first.station_id, "valid_from": (now + timedelta(hours=5)).isoformat(),
             "valid_to": (now + timedelta(hours=8)).isoformat(), "visibility_m": 150},
            {"station_id": second.station_id, "valid_from": (now - timedelta(minutes=5)).isoformat(),
             "valid_to": (now + timedelta(hours=2)).isoformat(), "visibility_m": 120},
        ]},
        headers=auth(OPERATOR_TOKEN),
    )  # fmt: skip
    assert resp.status_code == 201, resp.get_json()
    foggy = risk(ahead)
    assert foggy["weather_sources"]["forecast"] == first.n and foggy["weather_in_force"]["fog"] == first.n
    scored = risk_live.scores(engine, ahead)
    mine = scored.source == risk_live.SOURCES.index("forecast")
    assert (scored.weather[mine] == rt.WEATHER_CLASSES.index("fog")).all()
    assert scored.expected[mine].sum() > 0 and before["segments_scored"] == len(scored)
    # now: the second station has no reading, its forecast stands; then a clear reading beats it
    assert risk(now)["weather_sources"]["forecast"] == second.n
    resp = client.post("/weather/observations", json={"station_id": second.station_id, "visibility_m": 5000},
                       headers=auth(OPERATOR_TOKEN))  # fmt: skip
    assert resp.status_code == 201
    current = risk(datetime.now(UTC))
    assert current["weather_sources"] == {
        "none": current["segments_scored"] - second.n, "observation": second.n, "forecast": 0
    }  # fmt: skip
    # an hour ahead: the second station's forecast is for that time, so it wins over the reading
    assert risk(now + timedelta(hours=1))["weather_sources"]["forecast"] == second.n
    # three hours ahead the second station's forecast has ended: the reading (2 h 55 min old) stands
    later = risk(now + timedelta(hours=2, minutes=55))
    assert later["weather_sources"]["observation"] == second.n and later["weather_sources"]["forecast"] == 0


def test_cli_fits_stores_and_scores(engine: sa.Engine, demo, settings) -> None:
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    fitted = runner.invoke(main, ["analysis", "risk", "--datetime", "2023-01-01/2025-12-31", "--store"])
    assert fitted.exit_code == 0, fitted.output
    assert "weather:fog" in fitted.output and "stored as risk model" in fitted.output
    scored = runner.invoke(main, ["analysis", "risk-scores", "--at", "2026-01-12T07:30:00", "--limit", "3"])
    assert scored.exit_code == 0, scored.output
    assert "morning_peak" in scored.output and scored.output.count("relative") == 3
    bad = runner.invoke(main, ["analysis", "risk-scores", "--at", "07:30 tomorrow"])
    assert bad.exit_code != 0 and "at" in bad.output


def test_weather_history_is_derived_from_observations(engine: sa.Engine, demo) -> None:
    day = datetime(2026, 2, 1, tzinfo=rt.BEIJING)  # after the demo's history
    with engine.begin() as conn:
        station = conn.execute(sa.text("SELECT min(id) FROM weather_stations")).scalar_one()
        readings = [
            (1, 5000, 4.0, 0.0),
            (1, 600, 3.5, 0.0),
            (2, 8000, 5.0, 2.5),
            (5, 3000, -1.0, 0.0),
            (23, 9000, 6, 0),
        ]
        conn.execute(
            sa.text("INSERT INTO weather_observations (station_id, observed_at, visibility_m, road_surface_temp_c, "
                    "precipitation_mm) VALUES (:s, :t, :v, :c, :p)"),
            [{"s": station, "t": day + timedelta(hours=h, minutes=10 * k), "v": v, "c": c, "p": p}
             for k, (h, v, c, p) in enumerate(readings)],
        )  # fmt: skip
        n = from_observations(conn, day, day + timedelta(days=1))
        row = conn.execute(
            sa.text("SELECT hours, source FROM weather_history WHERE station_id = :s AND day = :d"),
            {"s": station, "d": day.date()},
        ).one()
    assert n == 1 and row.source == "observations"
    # hour 1: the worse of clear and fog; 2: rain; 5: ice; 23: clear; the rest unreported
    assert row.hours == "-fr--i" + "-" * 17 + "c"


def test_live_scores_without_a_model_say_so(engine: sa.Engine, demo, client) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE risk_models SET current = false"))
    with pytest.raises(risk_live.NoRiskModel):
        risk_live.scores(engine, datetime(2026, 3, 2, 12, tzinfo=rt.BEIJING))
    resp = client.get("/analysis/risk", headers=auth())
    assert resp.status_code == 404 and "daoan analysis risk" in resp.get_json()["detail"]
