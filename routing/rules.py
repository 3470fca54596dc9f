"""Weather rules by road class (fog and ice), read from routing/data/weather_rules.toml: the
speeds, following distances and measures of the Road Traffic Safety Law implementing regulations
(arts. 46, 78, 81), kept as data with their articles cited there."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "data" / "weather_rules.toml"


@dataclass(frozen=True)
class Rule:
    """One row: the classes it covers, its threshold, speed cap, following distance and measure."""

    hazard: str  # fog or ice
    classes: frozenset[str]
    speed_kmh: float
    measure: str  # cap, close or control
    article: str
    below_m: float | None = None  # fog: visibility below which the rule applies
    gap_m: float | None = None
    close_at_or_below_c: float | None = None  # ice: surface temperature that closes the road


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule in the data file, fog rows ordered from the strictest visibility."""
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    out = []
    for hazard in ("fog", "ice"):
        for row in data.get(hazard, []):
            out.append(
                Rule(
                    hazard=hazard,
                    classes=frozenset(row["classes"]),
                    speed_kmh=float(row["speed_kmh"]),
                    measure=row["measure"],
                    article=row["article"],
                    below_m=float(row["below_m"]) if "below_m" in row else None,
                    gap_m=float(row["gap_m"]) if "gap_m" in row else None,
                    close_at_or_below_c=float(row["close_at_or_below_c"]) if "close_at_or_below_c" in row else None,
                )
            )
    return tuple(sorted(out, key=lambda r: (r.hazard, r.below_m if r.below_m is not None else 0.0)))


def fog_rule(road_class: str, visibility_m: float) -> Rule | None:
    """The fog rule in force on a road of `road_class` at `visibility_m` (the strictest that applies)."""
    for r in rules():
        if r.hazard == "fog" and road_class in r.classes and r.below_m is not None and visibility_m < r.below_m:
            return r
    return None


def ice_rule(road_class: str) -> Rule | None:
    """The ice rule for a road of `road_class`."""
    return next((r for r in rules() if r.hazard == "ice" and road_class in r.classes), None)


def gap_for_speed(road_class: str, speed_kmh: float) -> float | None:
    """The following distance the fog rules pair with a speed cap on `road_class` (None: no rule sets one)."""
    rule = rule_for_cap("fog", road_class, speed_kmh)
    return rule.gap_m if rule is not None else None


def rule_for_cap(hazard: str, road_class: str, speed_kmh: float) -> Rule | None:
    """The speed-cap rule of `hazard` on `road_class` whose speed a restriction at `speed_kmh` applies
    (the loosest cap at or above it: 40 km/h on an expressway in fog is art. 81 (2)); None when none does."""
    caps = sorted(
        (r for r in rules() if r.hazard == hazard and road_class in r.classes and r.measure == "cap"),
        key=lambda r: r.speed_kmh,
    )
    return next((r for r in caps if speed_kmh <= r.speed_kmh), None)
