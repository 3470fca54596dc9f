"""The DEM hazard criteria (analysis/data/raster_hazards.toml) as typed values."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CRITERIA_FILE = Path(__file__).parent / "data" / "raster_hazards.toml"


@dataclass(frozen=True)
class DowngradeRule:
    """A descent is a 连续长下坡 when it meets every bound given (None: no bound)."""

    name: str
    min_average_grade_pct: float
    severity: int
    min_drop_m: float | None = None
    max_drop_m: float | None = None
    min_length_m: float | None = None
    window_m: float | None = None  # some stretch of this length inside the descent averages the grade


@dataclass(frozen=True)
class Criteria:
    step_m: float = 30.0
    profile_bin_m: float = 100.0
    rise_tolerance_m: float = 15.0
    downgrade_rules: tuple[DowngradeRule, ...] = field(default_factory=tuple)
    icing_min_altitude_m: float = 600.0
    icing_min_length_m: float = 500.0
    icing_severity: int = 3
    buffer_m: float = 50.0
    road_classes: tuple[str, ...] = ("expressway", "national", "provincial", "county", "link")


def parse_criteria(text: str) -> Criteria:
    data = tomllib.loads(text)
    sampling = data.get("sampling", {})
    icing = data.get("icing", {})
    return Criteria(
        step_m=float(sampling.get("step_m", 30.0)),
        profile_bin_m=float(sampling.get("profile_bin_m", 100.0)),
        rise_tolerance_m=float(sampling.get("rise_tolerance_m", 15.0)),
        downgrade_rules=tuple(DowngradeRule(**rule) for rule in data.get("downgrade", {}).get("rules", [])),
        icing_min_altitude_m=float(icing.get("min_altitude_m", 600.0)),
        icing_min_length_m=float(icing.get("min_length_m", 500.0)),
        icing_severity=int(icing.get("severity", 3)),
        buffer_m=float(data.get("zones", {}).get("buffer_m", 50.0)),
        road_classes=tuple(data.get("zones", {}).get("road_classes", Criteria.road_classes)),
    )


@cache
def default_criteria() -> Criteria:
    """The criteria shipped with Daoan."""
    return parse_criteria(CRITERIA_FILE.read_text(encoding="utf-8"))
