"""The stored `coverage_gaps` layer: camera spacing gaps of every standard year, kept current.

The gaps are computed for every year of the standard set in force that sets a camera spacing (2017,
2018 and 2019 in the bundled plan), so that tiles and the features API can show any of them;
`newest_year` flags the newest year's gaps, which the map style draws. Ids are year × 1,000,000 + the
gap's id in /coverage/gaps?kind=camera&year=… (active cameras of every install year, as there).

They derive from the road network, the cameras, the areas and the standards. Rather than relying on
every write path to recompute them, coverage_gap_state records the data versions of those sources
(and of coverage_gaps itself) the stored rows were computed from. Whoever is about to read the layer
calls its refresher, which the composition root (gis/root.py) holds as the layer's DerivedLayer: the
tile path through the layer versions (the version lookup of each tile), the features API through
Root.ensure_current, `daoan coverage refresh` and `daoan tiles seed` directly. When the versions differ, the gaps are recomputed and rewritten in one
transaction under an advisory lock; readers meanwhile see the previous rows (DELETE, not TRUNCATE).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.db import connect
from gis.errors import Unprocessable
from gis.sqlfiles import load_sql
from gis.stake import format_stake
from planning.camera_gaps import CameraGap, camera_gaps
from planning.data import CoverageData, load_coverage_data
from planning.metrics import spacing_by_group
from planning.standards import StandardSet, current_standards

log = logging.getLogger(__name__)

LAYER = "coverage_gaps"
# The layers the stored gaps derive from (coverage_standards is bumped by every standards import).
SOURCES = ("road_segments", "cameras", "admin_areas", "coverage_standards")
WATCHED = (*SOURCES, LAYER)
ID_BASE = 1_000_000  # id = year * ID_BASE + the gap's id within its year
_LOCK = 74_281_995  # pg_advisory_xact_lock key of the rewrite (planning.standards uses 74_281_994)

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: whether it rewrote the layer, how many gaps of which years, and the versions."""

    refreshed: bool
    gaps: int
    years: tuple[int, ...]
    duration_ms: float
    versions: dict[str, int]  # WATCHED → version the stored gaps now correspond to


def version_key(versions: Mapping[str, int]) -> tuple[int, ...]:
    """The versions of WATCHED, in order (0 for a layer never written). The one freshness rule: the
    stored gaps are current exactly when the key they were computed from is the key of the data now."""
    return tuple(int(versions.get(layer, 0)) for layer in WATCHED)


def watched_versions(conn: Connection) -> dict[str, int]:
    """Current data versions of the sources and of coverage_gaps (0 for a layer never written)."""
    rows = conn.execute(sa.text(load_sql("queries/coverage_gaps_sources.sql")), {"layers": list(WATCHED)}).all()
    found = {str(layer): int(version) for layer, version in rows}
    return {layer: found.get(layer, 0) for layer in WATCHED}


def stored_key(conn: Connection) -> tuple[int, ...] | None:
    """The version_key the stored gaps were computed from; None before the first run."""
    row = conn.execute(sa.text(load_sql("queries/coverage_gaps_state.sql"))).first()
    if row is None:
        return None
    return version_key({**{str(k): int(v) for k, v in dict(row.sources).items()}, LAYER: int(row.gaps_version)})


def is_current(conn: Connection, key: tuple[int, ...]) -> bool:
    """Whether the stored gaps were computed from the data whose version_key is `key`."""
    return stored_key(conn) == key


def stored_years(conn: Connection) -> tuple[int, ...]:
    """The standard years the stored gaps were computed for (empty before the first run)."""
    row = conn.execute(sa.text(load_sql("queries/coverage_gaps_state.sql"))).first()
    return tuple(sorted(int(y) for y in row.years)) if row is not None else ()


def _main_county(gap: CameraGap) -> str:
    lengths = [(length, county) for county, length in gap.length_by_county.items() if county]
    return max(lengths)[1] if lengths else ""


# Bound arrays of coverage_gaps_insert.sql: one value per gap, then one per piece of road along a gap.
_GAP_COLUMNS = (
    "ids", "years", "newest", "route_codes", "roads", "directions", "from_stakes", "to_stakes", "from_stake_m",
    "to_stake_m", "length_m", "spacing_m", "cameras_needed", "county_adcodes", "city_adcodes",
)  # fmt: skip
_PIECE_COLUMNS = ("piece_gaps", "piece_segments", "piece_from_m", "piece_to_m")


def gap_rows(data: CoverageData, standards: StandardSet) -> tuple[dict[str, list[Any]], tuple[int, ...]]:
    """The bound arrays of coverage_gaps_insert.sql for every year with a camera spacing, and those years."""
    gaps_out: list[tuple[Any, ...]] = []
    pieces_out: list[tuple[int, int, float, float]] = []
    years = tuple(y for y in standards.years if spacing_by_group(standards.for_year(y)))
    for year in years:
        spacing = spacing_by_group(standards.for_year(year))
        for gap in camera_gaps(data, spacing, join_tolerance_m=standards.parameters.run_join_tolerance_m):
            gid = year * ID_BASE + gap.id
            county = _main_county(gap)
            a, b = gap.stretch.from_m, gap.stretch.to_m
            gaps_out.append((
                gid, year, year == years[-1], gap.route_code, gap.group, gap.direction, format_stake(a),
                format_stake(b), round(a, 1), round(b, 1), round(gap.length_m, 1), gap.spacing_m,
                len(gap.new_cameras), county, (data.areas.city_of(county) or "") if county else "",
            ))  # fmt: skip
            line = data.network.lines[(gap.route_code, gap.group, gap.direction)]
            pieces_out.extend((gid, int(seg), float(x), float(y)) for seg, x, y in line.pieces(a, b))
    cols = _columns(_GAP_COLUMNS, gaps_out) | _columns(_PIECE_COLUMNS, pieces_out)
    return cols, years


def _columns(names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows turned into one list per column (empty lists when there are no rows: no gaps is an answer)."""
    if not rows:
        return {name: [] for name in names}
    return {name: list(values) for name, values in zip(names, zip(*rows, strict=True), strict=True)}


def refresh_coverage_gaps(engine: Engine, *, force: bool = False, progress: Progress = _quiet) -> RefreshReport:
    """Recompute and rewrite the stored gaps when their sources changed (always with `force`), in one
    transaction under an advisory lock; a concurrent caller waits and then finds them current."""
    started = time.perf_counter()
    with connect(engine) as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        progress("checking versions")
        standards = current_standards(conn)  # may store the bundled set: before the versions are read
        # Versions first, data after: a write committed in between makes the gaps look stale, never current.
        versions = watched_versions(conn)
        if not force and is_current(conn, version_key(versions)):
            return RefreshReport(False, 0, (), 0.0, versions)
        progress("loading network and cameras")
        data = load_coverage_data(conn, standards.parameters, parts=frozenset({"cameras"}))
        progress("finding gaps")
        cols, years = gap_rows(data, standards)
        progress("storing")
        conn.execute(sa.text("DELETE FROM coverage_gaps"))
        stored = 0
        if cols:
            stored = conn.execute(sa.text(load_sql("queries/coverage_gaps_insert.sql")), cols).rowcount
        duration_ms = (time.perf_counter() - started) * 1000
        sources = {layer: versions[layer] for layer in SOURCES}
        gaps_version = conn.execute(
            sa.text(load_sql("queries/coverage_gaps_record_state.sql")),
            {"sources": json.dumps(sources), "years": list(years), "duration_ms": duration_ms},
        ).scalar_one()
    log.info("coverage_gaps: %d gaps of %s rewritten in %.0f ms", stored, years, duration_ms)
    return RefreshReport(True, int(stored), years, duration_ms, {**sources, LAYER: int(gaps_version)})


class GapsRefresher:
    """The cheap check before coverage_gaps is read: nothing at all while the watched versions are the
    ones last found current, one small query when they moved, a rewrite when the stored gaps are stale."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # engine → watched versions last found current (weak: engines of finished apps go away)
        self._verified: weakref.WeakKeyDictionary[Engine, tuple[int, ...]] = weakref.WeakKeyDictionary()

    def __call__(self, engine: Engine, versions: Mapping[str, int]) -> bool:
        """Bring the stored gaps up to date with `versions` (a layer → version map); True when rewritten."""
        key = version_key(versions)
        if self._verified.get(engine) == key:
            return False
        with self._lock:
            if self._verified.get(engine) == key:
                return False
            with connect(engine) as conn:
                current = is_current(conn, key)
            report = None if current else refresh_coverage_gaps(engine)
            # Remembered: the key now current (a rewrite bumps coverage_gaps' own version).
            self._verified[engine] = key if report is None else version_key(report.versions)
            return report is not None and report.refreshed

    def ensure_current(self, engine: Engine) -> bool:
        """Read the watched versions (one query) and refresh when stale; True when rewritten."""
        with connect(engine) as conn:
            versions = watched_versions(conn)
        return self(engine, versions)

    def check_filters(self, conn: Connection, args: Mapping[str, str]) -> None:
        """Like /coverage/gaps: an unknown standard year names the valid ones rather than matching nothing."""
        year = args.get("year", "")
        if not year.lstrip("-").isdigit():
            return
        years = stored_years(conn)
        if int(year) not in years:
            raise Unprocessable(
                f"no coverage gaps for year {int(year)}; valid years: {', '.join(map(str, years))}",
                parameter="year",
                extra={"valid": list(years)},
            )


def derived_layers() -> dict[str, GapsRefresher]:
    """The derived layers planning keeps (table → refresher), for the composition root."""
    return {LAYER: GapsRefresher()}
