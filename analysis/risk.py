"""The risk model (研判预警, first model): accidents per road segment over a period as a count GLM with
an exposure offset, log(carriageway km × years), on the segment's road class and the kinds of hazard
zone it lies under (fog, ice, sharp curve, steep grade, landslide, black spot):

    log E[N_s] = log(L_s · years) + β_class(s) + Σ_k γ_k · zone_k(s)

fitted on the aggregated records (one row per segment, not per segment and hour) by maximum likelihood
— Poisson (statsmodels GLM) or negative binomial (statsmodels discrete NegativeBinomial, alpha fitted)
— and kept with its coefficients, standard errors, data period and fit statistics (risk_models,
migration 024). exp(β_class) is accidents per km-year on a plain segment of the class; exp(γ_k) the
factor of a zone kind.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analysis.records import Scope
from gis.db import connect
from gis.sqlfiles import load_sql

ZONE_KINDS = ("fog", "ice", "sharp_curve", "steep_grade", "landslide", "blackspot")
ZONE_PAD_M = 150.0  # a zone given by stakes reaches this far beyond them along its route
FAMILIES = ("poisson", "negative_binomial")


@dataclass
class RiskFit:
    """A fitted model: term names, estimates and standard errors, and its fit statistics."""

    family: str
    scope: Scope
    names: list[str]
    estimates: np.ndarray
    se: np.ndarray
    alpha: float | None
    units: int
    accidents: int
    log_likelihood: float
    aic: float
    deviance: float | None
    id: int | None = None

    def term(self, name: str) -> tuple[float, float]:
        """(estimate, standard error) of term `name` (e.g. class:national, zone:fog)."""
        i = self.names.index(name)
        return float(self.estimates[i]), float(self.se[i])


def design(rows: Sequence[Any]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Term names, design matrix, counts and km of the unit rows (class dummies without intercept)."""
    classes = sorted({r.road_class for r in rows})
    zones = [k for k in ZONE_KINDS if any(k in r.zones for r in rows)]
    names = [f"class:{c}" for c in classes] + [f"zone:{k}" for k in zones]
    x = np.zeros((len(rows), len(names)))
    col = {c: i for i, c in enumerate(classes)}
    for i, r in enumerate(rows):
        x[i, col[r.road_class]] = 1.0
        for j, k in enumerate(zones):
            if k in r.zones:
                x[i, len(classes) + j] = 1.0
    y = np.array([r.accidents for r in rows], dtype=float)
    km = np.array([r.length_m for r in rows], dtype=float) / 1000.0
    return names, x, y, km


def fit(engine: Engine, scope: Scope, *, family: str = "poisson", exclude: Sequence[int] = ()) -> RiskFit:
    """Fit the model on the accidents of `scope`'s period over every segment but `exclude` (segment ids;
    scope's area filters are not applied: the model is province-wide)."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    with connect(engine) as conn:
        rows = conn.execute(
            sa.text(load_sql("queries/risk_units.sql")),
            {"start": scope.start, "end": scope.end, "kinds": list(ZONE_KINDS), "pad_m": ZONE_PAD_M},
        ).all()
    if exclude:
        left_out = set(exclude)
        rows = [r for r in rows if r.id not in left_out]
    names, x, y, km = design(rows)
    exposure = km * scope.years
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "poisson":
            result = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
            alpha, deviance = None, float(result.deviance)
            params, bse = np.asarray(result.params), np.asarray(result.bse)
        else:
            start = np.append(np.log(np.maximum(y.sum(), 1) / exposure.sum()) * np.ones(x.shape[1]), 0.5)
            result = NegativeBinomial(y, x, exposure=exposure, loglike_method="nb2").fit(
                start_params=start, disp=0, maxiter=300
            )
            params, bse = np.asarray(result.params)[:-1], np.asarray(result.bse)[:-1]
            alpha, deviance = float(np.asarray(result.params)[-1]), None
    return RiskFit(family, scope, names, params, bse, alpha, len(rows), int(y.sum()), float(result.llf),
                   float(result.aic), deviance)  # fmt: skip


def store(engine: Engine, model: RiskFit) -> int:
    """Keep `model` as the current risk model; its id."""
    terms = [
        {"name": n, "estimate": float(e), "se": float(s)}
        for n, e, s in zip(model.names, model.estimates, model.se, strict=True)
    ]
    with connect(engine) as conn:
        conn.execute(sa.text("UPDATE risk_models SET current = false WHERE current"))
        model.id = int(
            conn.execute(
                sa.text(load_sql("queries/risk_model_insert.sql")),
                {
                    "family": model.family,
                    "unit": "segment",
                    "start": model.scope.start,
                    "end": model.scope.end,
                    "terms": json.dumps(terms),
                    "alpha": model.alpha,
                    "units": model.units,
                    "accidents": model.accidents,
                    "llf": model.log_likelihood,
                    "aic": model.aic,
                    "deviance": model.deviance,
                },
            ).scalar_one()
        )
    return model.id
