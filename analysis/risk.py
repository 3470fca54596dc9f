"""The risk model (研判预警): accidents per road segment, hour band and weather class as a count GLM with
an exposure offset,

    log E[N_c] = log(km_c · hours_c / 8766) + β_class + Σ static terms + β_hour band + β_weather class

fitted on cells c = segment group × weather station × hour band × weather class, not on one row per
segment and hour. A segment group is the segments sharing every static term (road class; curvature,
grade and altitude bands; hazard-zone kinds, the black-spot zones being the history term); a segment's
weather is its nearest active station's history (weather_history), so a cell's exposure is the group's
km near that station times the hours of that weather in that band over the period, and an accident
falls in the cell of its segment, its local hour and its station's weather at that hour. The terms and
bands are in analysis/risk_terms.py; exp(β_class) is accidents per km-year on a plain segment of the
class in the day band and clear weather, exp(β_term) a rate factor.

Poisson (statsmodels GLM) or negative binomial (statsmodels discrete NegativeBinomial, alpha fitted),
kept with its coefficients and standard errors, data period, fit statistics, bands, the groups, the
baseline of each class (its mean fitted rate over the period) and the share of each weather class in
each hour band (risk_models; the segments' groups and stations in risk_segments) for the live scores
(analysis/risk_live.py).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analysis import risk_terms as rt
from analysis.bulk import bulk_replace
from analysis.records import Scope
from analysis.weather_history import History, read
from gis.bulk import copy_rows
from gis.db import connect
from gis.sqlfiles import load_sql

ZONE_KINDS = ("fog", "ice", "sharp_curve", "steep_grade", "landslide", "blackspot")
ZONE_PAD_M = 150.0  # a zone given by stakes reaches this far beyond them along its route
FAMILIES = ("poisson", "negative_binomial")
UNIT = "segment group × station × hour band × weather class"
_B, _W = len(rt.HOUR_BANDS), len(rt.WEATHER_CLASSES)


@dataclass
class Units:
    """The segments of the model with their static values, group and station (arrays aligned)."""

    id: np.ndarray
    road_class: np.ndarray
    km: np.ndarray
    curvature: np.ndarray
    grade_pct: np.ndarray
    altitude_m: np.ndarray
    groups: list[tuple[str, ...]]
    grp: np.ndarray
    station: np.ndarray  # index into `station_id`, -1 for none
    station_id: np.ndarray


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
    cells: int = 0
    exposure_km_years: float = 0.0
    statistics: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)
    weather_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    segments: Units | None = None
    id: int | None = None

    def term(self, name: str) -> tuple[float, float]:
        """(estimate, standard error) of term `name` (e.g. class:national, zone:fog, weather:ice)."""
        i = self.names.index(name)
        return float(self.estimates[i]), float(self.se[i])


def read_units(conn: sa.Connection, start: Any, end: Any) -> tuple[Units, History]:
    """Every segment with its static terms and weather station, and the stations' history of the period."""
    result = conn.execute(sa.text(load_sql("queries/risk_units.sql")), {"kinds": list(ZONE_KINDS), "pad_m": ZONE_PAD_M})
    rows = result.cursor.fetchall() if result.cursor is not None else []  # plain tuples: 600k rows in seconds
    cols = list(zip(*rows, strict=True)) if rows else [()] * 9
    ids = np.array(cols[0], dtype=np.int64)
    road_class = np.array(cols[1], dtype=object)
    km = np.array(cols[2], dtype=float) / 1000.0
    zones = [list(z) for z in cols[3]]
    mid_lon, mid_lat = np.array(cols[4], dtype=float), np.array(cols[5], dtype=float)
    grade = np.array(cols[6], dtype=float)
    altitude = np.array(cols[7], dtype=float)
    lines = shapely.from_wkb(np.array([bytes(g) for g in cols[8]], dtype=object))
    coords, line_of = shapely.get_coordinates(lines, return_index=True) if len(lines) else (np.zeros((0, 2)), [])
    offsets = np.searchsorted(line_of, np.arange(len(lines) + 1))
    curvature = rt.curvature(coords, offsets)
    groups, grp = rt.static_terms(road_class, zones, curvature, grade, altitude)
    history = read(conn, start, end)
    stations = conn.execute(sa.text(load_sql("queries/risk_stations.sql"))).all()
    st_id = np.array([s.id for s in stations], dtype=np.int64)
    st_lon = np.array([s.lon for s in stations], dtype=float)
    st_lat = np.array([s.lat for s in stations], dtype=float)
    if len(history.station_id):  # with a history, a segment's station is the nearest that has one
        keep = np.isin(st_id, history.station_id)
        st_id, st_lon, st_lat = st_id[keep], st_lon[keep], st_lat[keep]
        history = read(conn, start, end, st_id)
    station = rt.nearest(mid_lon, mid_lat, st_lon, st_lat)
    units = Units(ids, road_class, km, curvature, grade, altitude, groups, grp, station, st_id)
    return units, history


def _cells(units: Units, history: History, seg: np.ndarray, t: np.ndarray, use: np.ndarray) -> dict[str, Any]:
    """Accidents and exposure per cell (pair of group and station × band × class) over the `use`d units."""
    s_count = max(len(units.station_id), 1)
    classes = history.classes
    if not len(history.station_id):  # no history at all: every hour counts as clear weather
        classes = np.zeros((s_count, history.hours), dtype=np.int8)
        history = History(history.start, np.zeros(s_count, dtype=np.int64), classes)
    station = np.where(units.station >= 0, units.station, 0)
    pair_key = units.grp * s_count + station
    pairs, pair_of = np.unique(pair_key[use], return_inverse=True)
    km = np.bincount(pair_of, weights=units.km[use], minlength=len(pairs))
    hours = history.exposure_hours()  # stations × bands × classes
    exposure = km[:, None, None] * hours[pairs % s_count] / rt.HOURS_PER_YEAR
    # accidents: their unit, local hour band and station weather at that hour
    unit_pair = np.full(len(units.id), -1, dtype=np.int64)
    unit_pair[np.flatnonzero(use)] = pair_of
    start = history.start.timestamp()
    h = np.floor((t - start) / 3600.0).astype(np.int64)
    band = rt.hour_band(np.floor((t + 8 * 3600) / 3600.0).astype(np.int64) % 24)
    pair_a = unit_pair[seg]
    used = pair_a >= 0  # not on an excluded segment
    ok = used & (h >= 0) & (h < history.hours)
    weather = np.full(len(t), -1, dtype=np.int64)
    weather[ok] = classes[station[seg[ok]], h[ok]]
    ok &= weather >= 0
    cell = (pair_a[ok] * _B + band[ok]) * _W + weather[ok]
    counts = np.bincount(cell, minlength=len(pairs) * _B * _W).reshape(len(pairs), _B, _W).astype(float)
    return {"pairs": pairs, "s_count": s_count, "exposure": exposure, "counts": counts, "hours": hours, "km": km,
            "dropped": int((used & ~ok).sum())}  # fmt: skip


def _design(units: Units, cells: dict[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Term names, design matrix, counts, exposure and group of the cells with exposure."""
    pairs, s_count = cells["pairs"], cells["s_count"]
    exposure, counts = cells["exposure"], cells["counts"]
    live = exposure > 0
    p_idx, b_idx, w_idx = np.nonzero(live)
    grp = pairs[p_idx] // s_count
    used_groups = np.unique(grp)
    classes = sorted({units.groups[g][0] for g in used_groups})
    static = sorted({t for g in used_groups for t in units.groups[g][1:]})
    bands = sorted({int(b) for b in b_idx if rt.band_term(int(b))})
    weathers = sorted({int(w) for w in w_idx if w > 0})
    names = classes + static + [rt.band_term(b) or "" for b in bands] + [rt.weather_term(w) or "" for w in weathers]
    col = {n: i for i, n in enumerate(names)}
    g_matrix = np.zeros((len(units.groups), len(names)))
    for g in used_groups:
        for term in units.groups[g]:
            g_matrix[g, col[term]] = 1.0
    x = g_matrix[grp]
    for b in bands:
        x[b_idx == b, col[rt.band_term(b) or ""]] = 1.0
    for w in weathers:
        x[w_idx == w, col[rt.weather_term(w) or ""]] = 1.0
    # drop terms without variation beyond their class (e.g. a band every cell of the data lies in)
    keep = [i for i, n in enumerate(names) if n.startswith("class:") or 0 < x[:, i].sum() < len(x)]
    names = [names[i] for i in keep]
    return names, x[:, keep], counts[live], exposure[live], grp


def fit(engine: Engine, scope: Scope, *, family: str = "poisson", exclude: Sequence[int] = ()) -> RiskFit:
    """Fit the model on the accidents of `scope`'s period over every segment but `exclude` (segment ids;
    scope's area filters are not applied: the model is province-wide)."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    with connect(engine) as conn:
        units, history = read_units(conn, scope.start, scope.end)
        acc = conn.execute(sa.text(load_sql("queries/risk_accidents.sql")), {"start": scope.start, "end": scope.end})
        arows = acc.cursor.fetchall() if acc.cursor is not None else []
    a_seg = np.array([r[0] for r in arows], dtype=np.int64)
    a_t = np.array([r[1] for r in arows], dtype=float)
    pos = np.searchsorted(units.id, a_seg)
    found = (pos < len(units.id)) & (units.id[np.minimum(pos, max(len(units.id) - 1, 0))] == a_seg)
    use = ~np.isin(units.id, np.asarray(exclude, dtype=np.int64))
    cells = _cells(units, history, pos[found], a_t[found], use)
    names, x, y, exposure, cell_grp = _design(units, cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "poisson":
            result = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
            alpha, deviance = None, float(result.deviance)
            params, bse = np.asarray(result.params), np.asarray(result.bse)
            stats = {"df_resid": float(result.df_resid), "pearson_chi2": float(result.pearson_chi2),
                     "null_deviance": float(result.null_deviance)}  # fmt: skip
            mu = np.asarray(result.fittedvalues)
        else:
            rate = np.log(max(y.sum(), 1.0) / exposure.sum())
            start = np.append(np.where([n.startswith("class:") for n in names], rate, 0.0), 0.5)
            result = NegativeBinomial(y, x, exposure=exposure, loglike_method="nb2").fit(
                start_params=start, disp=0, maxiter=300
            )
            params, bse = np.asarray(result.params)[:-1], np.asarray(result.bse)[:-1]
            alpha, deviance = float(np.asarray(result.params)[-1]), None
            stats = {"df_resid": float(result.df_resid), "converged": bool(result.mle_retvals.get("converged", True))}
            mu = exposure * np.exp(x @ params)
    stats |= {"accidents_without_weather": cells["dropped"], "stations": int(len(units.station_id))}
    cell_class = np.array([units.groups[g][0].removeprefix("class:") for g in cell_grp], dtype=object)
    baselines = {
        str(c): float(mu[cell_class == c].sum() / exposure[cell_class == c].sum()) for c in np.unique(cell_class)
    }
    used = np.flatnonzero(use)
    return RiskFit(
        family, scope, names, params, bse, alpha, len(used), int(y.sum()), float(result.llf), float(result.aic),
        deviance, cells=len(y), exposure_km_years=float(exposure.sum()), statistics=stats, baselines=baselines,
        weather_shares=_shares(units, cells), segments=units,
    )  # fmt: skip


def _shares(units: Units, cells: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per hour band, the share of each weather class in the km-weighted hours of the period."""
    s_count = cells["s_count"]
    station_km = np.bincount(cells["pairs"] % s_count, weights=cells["km"], minlength=s_count)
    hours = np.tensordot(station_km, cells["hours"], axes=1)  # bands × classes
    out = {}
    for b, band in enumerate(rt.HOUR_BANDS):
        total = hours[b].sum()
        out[band] = {
            w: float(hours[b, i] / total) if total > 0 else float(i == 0) for i, w in enumerate(rt.WEATHER_CLASSES)
        }
    return out


def store(engine: Engine, model: RiskFit) -> int:
    """Keep `model` as the current risk model and its view of the segments (risk_segments); its id."""
    terms = [
        {"name": n, "estimate": float(e), "se": float(s)}
        for n, e, s in zip(model.names, model.estimates, model.se, strict=True)
    ]
    units = model.segments
    with connect(engine) as conn:
        # the live scores read risk_segments alone while the network stays at this version
        version = conn.execute(sa.text(load_sql("queries/risk_roads_version.sql"))).scalar()
        conn.execute(sa.text("UPDATE risk_models SET current = false WHERE current"))
        model.id = int(
            conn.execute(
                sa.text(load_sql("queries/risk_model_insert.sql")),
                {
                    "family": model.family,
                    "unit": UNIT,
                    "start": model.scope.start,
                    "end": model.scope.end,
                    "terms": json.dumps(terms),
                    "alpha": model.alpha,
                    "units": model.units,
                    "accidents": model.accidents,
                    "llf": model.log_likelihood,
                    "aic": model.aic,
                    "deviance": model.deviance,
                    "cells": model.cells,
                    "exposure": model.exposure_km_years,
                    "statistics": json.dumps(model.statistics | {"roads_version": version}),
                    "settings": json.dumps(rt.settings()),
                    "groups": json.dumps([list(g) for g in units.groups] if units else []),
                    "baselines": json.dumps(model.baselines),
                    "weather_shares": json.dumps(model.weather_shares),
                },
            ).scalar_one()
        )
        n = len(units.id) if units is not None else 0
        with bulk_replace(conn, "risk_segments", n) as owner:
            # The owner empties the table at once; the application role may only DELETE.
            conn.execute(
                sa.text(load_sql("queries/risk_segments_truncate.sql" if owner else "queries/risk_segments_delete.sql"))
            )
            if units is not None and n:
                _copy_segments(conn, model.id, units)
    return model.id


def _copy_segments(conn: sa.Connection, model_id: int, units: Units) -> None:
    """The rows of risk_segments for `units`."""

    def num(a: np.ndarray) -> list[object]:
        out = np.round(a, 3).astype(object)
        out[np.isnan(a)] = None
        return list(out.tolist())

    station = np.where(
        units.station >= 0, units.station_id[np.maximum(units.station, 0)] if len(units.station_id) else 0, -1
    )
    rows = zip(
        units.id.tolist(),
        [model_id] * len(units.id),
        units.grp.tolist(),
        [int(s) if s >= 0 else None for s in station.tolist()],
        num(units.curvature),
        num(units.grade_pct),
        num(units.altitude_m),
        strict=True,
    )
    columns = ("segment_id", "model_id", "grp", "station_id", "curvature_deg_km", "grade_pct", "altitude_m")
    copy_rows(conn, "risk_segments", columns, rows)
