"""The risk model recovers the coefficients the demo's accidents were drawn with (within 3 SE)."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from analysis.records import Scope
from analysis.risk import fit, store
from layers.demo import load_demo
from layers.demo.accidents import CLASS_RATE, PERIOD_START, PERIOD_YEARS, ZONE_FACTOR, _zone_flags
from layers.demo.generate import SIZES, Seeds, generate_world
from layers.demo.hazards import expressway_hazards, road_hazards
from tests.conftest import truncate_all


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
    yield [e + 1 for e, _ in spots]
    truncate_all(engine)


def test_poisson_fit_recovers_each_generating_coefficient(engine: sa.Engine, demo) -> None:
    scope = Scope(PERIOD_START, PERIOD_START.replace(year=PERIOD_START.year + PERIOD_YEARS))
    model = fit(engine, scope, exclude=demo)
    checked = 0
    for road_class, rate in CLASS_RATE.items():
        name = f"class:{road_class}"
        if name in model.names:
            est, se = model.term(name)
            assert abs(est - math.log(rate)) <= 3 * se, (name, est, se, math.log(rate))
            checked += 1
    for kind, factor in ZONE_FACTOR.items():
        name = f"zone:{kind}"
        if name in model.names:
            est, se = model.term(name)
            assert abs(est - math.log(factor)) <= 3 * se, (name, est, se, math.log(factor))
            checked += 1
    assert checked >= 8  # the small demo has most classes and zone kinds
    model_id = store(engine, model)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT family, units, accidents, terms, current FROM risk_models WHERE id = :i"),
                           {"i": model_id}).one()  # fmt: skip
    assert row.family == "poisson" and row.current and row.accidents == model.accidents
    assert {t["name"] for t in row.terms} == set(model.names)


def test_negative_binomial_fit_estimates_alpha(engine: sa.Engine, demo) -> None:
    scope = Scope(PERIOD_START, PERIOD_START.replace(year=PERIOD_START.year + PERIOD_YEARS))
    model = fit(engine, scope, family="negative_binomial", exclude=demo)
    assert model.alpha is not None and model.alpha >= 0
    est, se = model.term("class:national")
    assert abs(est - math.log(CLASS_RATE["national"])) <= 3 * se + 0.5
