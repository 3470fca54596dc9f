"""Black spots by empirical Bayes (Highway Safety Manual, AASHTO 2010, Part B ch. 4 network screening,
"excess expected average crash frequency with EB adjustment").

Sites are bins of `site_length_m` of stakes along each route (both directions together). For each road
class a negative-binomial safety performance function (SPF) predicts a site's accidents from its
exposure, carriageway length × years (traffic volumes are not loaded): N_spf = exp(b0) · L · years, and
its overdispersion alpha (NB2: Var = μ + αμ²) is fitted by maximum likelihood with statsmodels'
discrete NegativeBinomial (its GLM family would hold alpha fixed). A class with fewer than `min_sites`
sites, or whose fit fails, uses the SPF fitted on all sites. Then, per site,
    w = 1 / (1 + α · N_spf),   N_expected = w · N_spf + (1 − w) · N_observed,
and the potential for safety improvement PSI = N_expected − N_spf ranks the sites.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.blackspot_criteria import Criteria
from analysis.records import AccidentArrays, Scope
from analysis.spots import Spot
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spf:
    """A fitted safety performance function: accidents per carriageway-km-year, and alpha."""

    road_class: str
    rate_per_km_year: float
    alpha: float
    sites: int
    accidents: int
    pooled: bool = False  # the all-classes fit, used for this class


@dataclass
class Sites:
    route: np.ndarray
    bin: np.ndarray
    road_class: np.ndarray
    length_m: np.ndarray
    county: np.ndarray


def load_sites(conn: Connection, scope: Scope, site_m: float) -> Sites:
    """The screening's sites: per route and stake bin, its length and (longest) road class."""
    rows = conn.execute(sa.text(load_sql("queries/blackspots_sites.sql")), {**scope.bind(), "site_m": site_m}).all()
    best: dict[tuple[str, int], list] = {}
    for route, b, road_class, length, county in rows:
        key = (route, int(b))
        entry = best.get(key)
        if entry is None:
            best[key] = [road_class, float(length), float(length), county]
        else:
            entry[2] += float(length)
            if float(length) > entry[1]:
                entry[0], entry[1], entry[3] = road_class, float(length), county
    keys = sorted(best)
    return Sites(
        np.array([k[0] for k in keys], dtype=object),
        np.array([k[1] for k in keys], dtype=np.int64),
        np.array([best[k][0] for k in keys], dtype=object),
        np.array([best[k][2] for k in keys], dtype=float),
        np.array([best[k][3] for k in keys], dtype=object),
    )


def fit_spf(counts: np.ndarray, exposure: np.ndarray, road_class: str) -> Spf | None:
    """The NB SPF of sites with `counts` over `exposure` (km-years); None when it cannot be fitted."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    if len(counts) < 2 or counts.sum() == 0 or (exposure <= 0).any():
        return None
    start_rate = counts.sum() / exposure.sum()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = NegativeBinomial(counts, np.ones((len(counts), 1)), exposure=exposure, loglike_method="nb2")
            result = model.fit(start_params=[np.log(start_rate), 0.5], disp=0, maxiter=200)
        b0, alpha = (float(v) for v in result.params)
    except (ValueError, np.linalg.LinAlgError, OverflowError) as exc:
        log.warning("SPF of %s not fitted: %s", road_class, exc)
        return None
    if not (np.isfinite(b0) and np.isfinite(alpha)) or alpha < 0:
        return None
    return Spf(road_class, float(np.exp(b0)), alpha, len(counts), int(counts.sum()))


def eb_spots(conn: Connection, acc: AccidentArrays, scope: Scope, crit: Criteria) -> tuple[list[Spot], list[Spf]]:
    """Every site with accidents and a positive PSI (unranked), and the SPFs used."""
    site_m = crit.eb_site_length_m
    sites = load_sites(conn, scope, site_m)
    n = len(sites.route)
    if n == 0 or len(acc) == 0:
        return [], []
    index = {(r, int(b)): i for i, (r, b) in enumerate(zip(sites.route, sites.bin, strict=True))}
    acc_bin = np.floor(acc.stake_m / site_m).astype(np.int64)
    site_of = np.array([index.get((r, int(b)), -1) for r, b in zip(acc.route, acc_bin, strict=True)], dtype=np.int64)
    on_site = site_of >= 0
    counts = {
        name: np.bincount(site_of[on_site], weights=w[on_site], minlength=n)
        for name, w in (
            ("all", np.ones(len(acc))),
            ("fatal", (acc.severity == 0).astype(float)),
            ("injury", (acc.severity == 1).astype(float)),
            ("deaths", acc.deaths.astype(float)),
            ("injuries", acc.injuries.astype(float)),
        )
    }
    observed = counts["all"]
    exposure = sites.length_m / 1000.0 * scope.years
    pooled = fit_spf(observed, exposure, "all")
    spfs: list[Spf] = []
    rate = np.zeros(n)
    alpha = np.zeros(n)
    for road_class in sorted({str(c) for c in sites.road_class}):
        mask = sites.road_class == road_class
        spf = fit_spf(observed[mask], exposure[mask], road_class) if mask.sum() >= crit.eb_min_sites else None
        if spf is None and pooled is not None:
            spf = Spf(
                road_class, pooled.rate_per_km_year, pooled.alpha, int(mask.sum()), int(observed[mask].sum()), True
            )
        if spf is None:
            continue
        spfs.append(spf)
        rate[mask], alpha[mask] = spf.rate_per_km_year, spf.alpha
    predicted = rate * exposure
    weight = 1.0 / (1.0 + alpha * predicted)
    expected = weight * predicted + (1.0 - weight) * observed
    psi = expected - predicted
    spots = []
    for i in np.flatnonzero((observed > 0) & (psi > 0) & (rate > 0)):
        lo = float(sites.bin[i] * site_m)
        total = int(observed[i])
        fatal, injury = int(counts["fatal"][i]), int(counts["injury"][i])
        spots.append(
            Spot(
                "eb",
                str(sites.route[i]),
                "both",
                lo,
                lo + site_m,
                float(psi[i]),
                total,
                fatal,
                injury,
                total - fatal - injury,
                int(counts["deaths"][i]),
                int(counts["injuries"][i]),
                road_class=str(sites.road_class[i]),
                county_adcode=sites.county[i],
                predicted=float(predicted[i]),
                expected=float(expected[i]),
            )
        )
    return spots, spfs
