"""Live risk scores: every segment's expected accidents per km-year at an hour under the weather in force.

`scores(engine, at)` uses the current risk model (analysis/risk.py, risk_models): for each road segment
exp(its static terms + the hour band of `at` + the weather class at its station), where the weather
class comes from the weather in force at the station (daoan_station_weather, migration 031): up to now,
its latest readings within VALID_S before `at` (posted to /weather/observations), else the forecast
valid at `at` (posted to /weather/forecasts); for a future `at`, the forecast valid then, else the
readings still in force then. `source` says which each segment used. A segment whose station has
neither gets the period's mix of weather in that hour band (Σ share × exp(β_weather)). `relative` is that over its class's baseline: the class's mean fitted rate
over the model's period (1 = an average hour on an average segment of the class).

The per-segment part (ids, classes, static terms) is cached per database, model and road-network
version, so a repeated call costs one small query and array arithmetic.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analysis import risk_terms as rt
from gis.db import connect
from gis.errors import NotFound
from gis.sqlfiles import load_sql
from layers.catalog import ROAD_CLASSES

VALID_S = 3 * 3600  # a reading stands for its station this long
UNKNOWN = -1  # weather class of a segment without a reading in force
SOURCES = (None, "observation", "forecast")  # RiskScores.source: 0 none in force (the hour's mix)


@dataclass(frozen=True)
class RiskScores:
    """Scores of every road segment at `at` (arrays aligned, ordered by segment id)."""

    at: datetime
    model_id: int
    hour_band: str
    segment_id: np.ndarray  # int64
    road_class: np.ndarray  # object (str)
    expected: np.ndarray  # accidents per km-year at that hour and weather
    relative: np.ndarray  # expected / the class's baseline
    weather: np.ndarray  # int8: index into risk_terms.WEATHER_CLASSES, -1 none in force
    source: np.ndarray | None = None  # int8: index into SOURCES (0 none, 1 observation, 2 forecast)

    def __len__(self) -> int:
        return len(self.segment_id)

    def weather_name(self, i: int) -> str | None:
        """The weather class in force on segment row i (None when no reading was)."""
        w = int(self.weather[i])
        return rt.WEATHER_CLASSES[w] if w >= 0 else None

    def source_name(self, i: int) -> str | None:
        """Where the weather of segment row i came from: observation, forecast, or None (the hour's mix)."""
        return SOURCES[int(self.source[i])] if self.source is not None else None


class NoRiskModel(NotFound):
    """No risk model is stored yet."""


@dataclass(frozen=True)
class _Static:
    segment_id: np.ndarray
    road_class: np.ndarray
    eta: np.ndarray  # static part of the log rate
    baseline: np.ndarray  # the class's baseline per segment
    station_id: np.ndarray  # -1 for none


_cache: dict[tuple[Any, ...], _Static] = {}
_lock = threading.Lock()


def _coefficients(terms: list[dict[str, Any]]) -> dict[str, float]:
    return {t["name"]: float(t["estimate"]) for t in terms}


_ROW = np.dtype([("n", ">i2"), ("l0", ">i4"), ("id", ">i8"), ("l1", ">i4"), ("cls", ">i2"), ("l2", ">i4"),
                 ("grp", ">i4"), ("l3", ">i4"), ("station", ">i8")])  # fmt: skip
_COPY_HEADER, _COPY_TRAILER = 19, 2  # PostgreSQL's binary COPY: signature, flags, extension; -1 at the end


def _segment_rows(conn: sa.Connection, name: str, params: dict[str, Any]) -> np.ndarray:
    """The rows (id int8, class int2, grp int4, station int8; no NULLs) of query `name` by binary COPY,
    read straight into a structured array: 600,000 rows in a fraction of the time rows as tuples take."""
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        sql = cur.mogrify(f"COPY ({load_sql(name).strip()}) TO STDOUT (FORMAT binary)", params).decode()
        buffer = io.BytesIO()
        cur.copy_expert(sql, buffer)
    data = buffer.getbuffer()
    count = (len(data) - _COPY_HEADER - _COPY_TRAILER) // _ROW.itemsize
    return np.frombuffer(data, dtype=_ROW, count=max(count, 0), offset=_COPY_HEADER)


def _static(conn: sa.Connection, model: Any, coef: dict[str, float]) -> _Static:
    group_class = [str(g[0]).removeprefix("class:") for g in model.groups]
    names = list(ROAD_CLASSES) + sorted(set(group_class) - set(ROAD_CLASSES)) + [""]  # "": a class unknown here
    index = {c: i for i, c in enumerate(names)}
    group_cls = np.array([index[c] for c in group_class] + [len(names) - 1], dtype=np.int64)
    group_eta = np.array([sum(coef.get(t, 0.0) for t in g) for g in model.groups] + [0.0])
    if (model.statistics or {}).get("roads_version") == model.roads_version:
        # the network is as the model was stored: risk_segments holds every segment, the class in its group
        rows = _segment_rows(conn, "queries/risk_live_model_segments.sql", {"model": model.id})
        cls = group_cls[rows["grp"]]
    else:
        rows = _segment_rows(conn, "queries/risk_live_segments.sql", {"model": model.id, "classes": list(ROAD_CLASSES)})
        cls = np.where(rows["cls"] > 0, rows["cls"].astype(np.int64) - 1, len(names) - 1)
        cls = np.where(rows["grp"] >= 0, group_cls[rows["grp"]], cls)
    ids = rows["id"].astype(np.int64)
    order = None if np.all(ids[1:] > ids[:-1]) else np.argsort(ids, kind="stable")  # mostly stored in order
    grp = rows["grp"].astype(np.int64)
    station = rows["station"].astype(np.int64)
    if order is not None:
        ids, grp, station, cls = ids[order], grp[order], station[order], cls[order]
    # A class the model never saw has no rate of its own: its segments get the lowest fitted class rate.
    fitted = [v for k, v in coef.items() if k.startswith("class:")]
    lowest = min(fitted) if fitted else 0.0
    class_eta = np.array([coef.get(f"class:{c}", lowest) for c in names])
    eta = np.where(grp >= 0, group_eta[grp], class_eta[cls])
    base = np.array([float(model.baselines.get(c, np.nan)) for c in names])
    return _Static(ids, np.array(names, dtype=object)[cls], eta, base[cls], station)


def scores(engine: Engine, at: datetime, *, now: datetime | None = None) -> RiskScores:
    """Expected accidents per km-year of every segment at `at` (aware; naive means Beijing time) under the
    weather in force then as seen at `now` (default the clock), and relative to its class's baseline.
    NoRiskModel (404) when none is stored."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=rt.BEIJING)
    now = now or datetime.now(UTC)
    with connect(engine) as conn:
        model = conn.execute(sa.text(load_sql("queries/risk_live_model.sql"))).first()
        if model is None:
            raise NoRiskModel("no risk model is stored yet: fit one with `daoan analysis risk --store`")
        coef = _coefficients(model.terms)
        key = (engine.url.render_as_string(hide_password=True), model.id, model.fitted_at, model.roads_version)
        with _lock:
            static = _cache.get(key)
        if static is None:
            static = _static(conn, model, coef)
            with _lock:
                _cache.clear()  # one network and model at a time per database is what callers use
                _cache[key] = static
        readings = conn.execute(
            sa.text(load_sql("queries/risk_live_weather.sql")), {"at": at, "now": now, "valid_s": VALID_S}
        ).all()
    band = int(rt.hour_band(rt.local_hour(at)))
    band_name = rt.HOUR_BANDS[band]
    weather_coef = np.array([coef.get(rt.weather_term(w) or "", 0.0) for w in range(len(rt.WEATHER_CLASSES))])
    shares = model.weather_shares.get(band_name) or {"clear": 1.0}
    mixed = float(sum(shares.get(w, 0.0) * np.exp(weather_coef[i]) for i, w in enumerate(rt.WEATHER_CLASSES)))
    factors = np.append(np.exp(weather_coef), mixed)  # the last: no reading in force
    weather = np.full(len(static.segment_id), UNKNOWN, dtype=np.int8)
    source = np.zeros(len(static.segment_id), dtype=np.int8)
    if readings and len(static.segment_id):
        st = np.array([r.station_id for r in readings], dtype=np.int64)
        cls = np.array([rt.classify(r.visibility_m, r.surface_c, r.precipitation_mm) for r in readings], np.int8)
        src = np.array([SOURCES.index(r.source) for r in readings], dtype=np.int8)
        order = np.argsort(st)
        st, cls, src = st[order], cls[order], src[order]
        pos = np.searchsorted(st, static.station_id)
        hit = (pos < len(st)) & (st[np.minimum(pos, len(st) - 1)] == static.station_id)
        weather[hit] = cls[pos[hit]]
        source[hit] = src[pos[hit]]
    hour = coef.get(rt.band_term(band) or "", 0.0)
    expected = np.exp(static.eta + hour) * factors[np.where(weather >= 0, weather, len(factors) - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = expected / static.baseline
    return RiskScores(
        at, int(model.id), band_name, static.segment_id, static.road_class, expected, relative, weather, source
    )
