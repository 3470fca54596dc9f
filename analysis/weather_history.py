"""Hourly weather classes per station over a period (weather_history, migration 027), as arrays.

A station's history is one row per local (Beijing) day with a character per hour (analysis/risk_terms:
c clear, r rain, f fog, i ice, - unknown). Read here as a stations × hours matrix of class indexes
(-1 unknown or missing) whose column h is the hour starting at `start + h hours`. `from_observations`
derives it from the readings posted to /weather/observations (each hour's worst weather; hours without a
reading stay unknown), for deployments whose history is their own stations'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.risk_terms import (
    BEIJING,
    HOUR_BANDS,
    UNKNOWN_CODE,
    WEATHER_CLASSES,
    WEATHER_CODES,
    classify,
    hour_band,
)
from gis.sqlfiles import load_sql

_LOOKUP = np.full(256, -1, dtype=np.int8)
for _i, _c in enumerate(WEATHER_CODES):
    _LOOKUP[ord(_c)] = _i


@dataclass(frozen=True)
class History:
    """Classes (stations × hours, int8, -1 unknown) from `start`, and the stations' ids."""

    start: datetime
    station_id: np.ndarray
    classes: np.ndarray

    @property
    def hours(self) -> int:
        return int(self.classes.shape[1])

    def hour_bands(self) -> np.ndarray:
        """Band index of each hour column."""
        first = self.start.astimezone(BEIJING).hour
        return hour_band(np.arange(first, first + self.hours))

    def exposure_hours(self) -> np.ndarray:
        """Hours per station, hour band and weather class (stations × bands × classes)."""
        bands = self.hour_bands()
        s, b, w = len(self.station_id), len(HOUR_BANDS), len(WEATHER_CLASSES)
        known = self.classes >= 0
        cell = (np.arange(s)[:, None] * b + bands[None, :]) * w + np.where(known, self.classes, 0)
        return np.bincount(cell[known], minlength=s * b * w).reshape(s, b, w).astype(float)


def encode(classes: np.ndarray) -> list[str]:
    """Rows of 24 class indexes (-1 unknown) as weather_history.hours strings."""
    alphabet = np.frombuffer((WEATHER_CODES + UNKNOWN_CODE).encode(), dtype=np.uint8)
    chars = alphabet[np.where(classes < 0, len(WEATHER_CODES), classes)]
    return [bytes(r).decode() for r in chars.reshape(-1, 24)]


def read(conn: Connection, start: datetime, end: datetime, station_ids: np.ndarray | None = None) -> History:
    """The history of [start, end) (whole hours) of the stations that have any (or of `station_ids`)."""
    hours = max(int((end - start).total_seconds() // 3600), 0)
    first_day = start.astimezone(BEIJING).date()
    last_day = (end - timedelta(seconds=1)).astimezone(BEIJING).date()
    rows = conn.execute(
        sa.text(load_sql("queries/weather_history_read.sql")), {"first": first_day, "last": last_day}
    ).all()
    ids = np.unique(np.array([r.station_id for r in rows], dtype=np.int64)) if station_ids is None else station_ids
    classes = np.full((len(ids), hours), -1, dtype=np.int8)
    if not rows or not hours or not len(ids):
        return History(start, ids, classes)
    station = np.array([r.station_id for r in rows], dtype=np.int64)
    row_of = np.searchsorted(ids, station)
    ok = (row_of < len(ids)) & (ids[np.minimum(row_of, len(ids) - 1)] == station)
    midnight = datetime(first_day.year, first_day.month, first_day.day, tzinfo=BEIJING)
    lead = int((start - midnight).total_seconds() // 3600)  # hours of the first local day before `start`
    day = np.array([(r.day - first_day).days for r in rows], dtype=np.int64)
    codes = _LOOKUP[np.frombuffer("".join(r.hours for r in rows).encode(), dtype=np.uint8)].reshape(-1, 24)
    col = day[:, None] * 24 + np.arange(24)[None, :] - lead
    inside = ok[:, None] & (col >= 0) & (col < hours)
    classes[np.broadcast_to(row_of[:, None], col.shape)[inside], col[inside]] = codes[inside]
    return History(start, ids, classes)


def from_observations(conn: Connection, start: datetime, end: datetime) -> int:
    """Derive weather_history from the observations of [start, end): per station and local day with any
    reading, the class of each hour's worst weather ('-' for hours without one). Rows written."""
    rows = conn.execute(sa.text(load_sql("queries/weather_history_hours.sql")), {"start": start, "end": end}).all()
    days: dict[tuple[int, object], list[int]] = {}
    for r in rows:
        hours = days.setdefault((r.station_id, r.day), [-1] * 24)
        hours[r.hour] = classify(r.visibility_m, r.surface_c, r.precipitation_mm)
    if not days:
        return 0
    keys = list(days)
    encoded = encode(np.array([days[k] for k in keys], dtype=np.int8))
    conn.execute(
        sa.text(load_sql("queries/weather_history_upsert.sql")),
        {"stations": [k[0] for k in keys], "days": [k[1] for k in keys], "hours": encoded},
    )
    return len(keys)
