"""The accidents a black-spot method counts, and the filters a request or command puts on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql

SEVERITY_CODES = {"fatal": 0, "injury": 1, "property": 2}
MAJOR_DEATHS = 3  # 较大事故: one accident with 3 or more deaths


@dataclass(frozen=True)
class Scope:
    """Period [start, end), and optional bounding box, area (adcode) and road classes."""

    start: datetime
    end: datetime
    bbox: tuple[float, float, float, float] | None = None
    area: str | None = None
    road_classes: tuple[str, ...] | None = None

    @property
    def years(self) -> float:
        return (self.end - self.start).total_seconds() / (365.25 * 86400)

    def bind(self) -> dict[str, object]:
        """Bound parameters of the scope's SQL filters."""
        minx, miny, maxx, maxy = self.bbox or (None, None, None, None)
        return {
            "start": self.start,
            "end": self.end,
            "minx": minx,
            "miny": miny,
            "maxx": maxx,
            "maxy": maxy,
            "area": area_pattern(self.area),
            "classes": list(self.road_classes) if self.road_classes else None,
        }


def area_pattern(adcode: str | None) -> str | None:
    """LIKE pattern of the county adcodes inside an area: a county itself, a city's 4301%, the province's 43%."""
    if not adcode:
        return None
    if adcode.endswith("0000"):
        return adcode[:2] + "%"
    if adcode.endswith("00"):
        return adcode[:4] + "%"
    return adcode


@dataclass
class AccidentArrays:
    """Columns of the counted accidents (numpy), one entry per accident."""

    route: np.ndarray  # object: route code
    direction: np.ndarray  # object: up, down, both
    stake_m: np.ndarray  # float
    severity: np.ndarray  # int8: SEVERITY_CODES
    deaths: np.ndarray  # int
    injuries: np.ndarray  # int
    road_class: np.ndarray  # object
    county: np.ndarray  # object

    def __len__(self) -> int:
        return len(self.stake_m)


def load_accidents(conn: Connection, scope: Scope) -> AccidentArrays:
    """The accidents in `scope` placed on a route with a stake."""
    rows = conn.execute(sa.text(load_sql("queries/blackspots_accidents.sql")), scope.bind()).all()
    if not rows:
        empty = np.array([], dtype=object)
        return AccidentArrays(
            empty, empty, np.array([], float), np.array([], np.int8), np.array([], int), np.array([], int), empty, empty
        )
    route, direction, stake, severity, deaths, injuries, road_class, county = zip(*rows, strict=True)
    return AccidentArrays(
        np.array(route, dtype=object),
        np.array(direction, dtype=object),
        np.array(stake, dtype=float),
        np.array([SEVERITY_CODES[s] for s in severity], dtype=np.int8),
        np.array(deaths, dtype=np.int64),
        np.array(injuries, dtype=np.int64),
        np.array(road_class, dtype=object),
        np.array(county, dtype=object),
    )
