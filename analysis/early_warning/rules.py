"""The warning rules and levels of analysis/data/warning_rules.toml as typed values (thresholds are
data, cited there)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "warning_rules.toml"
LEVELS = ("blue", "yellow", "orange", "red")  # lowest first
LEVEL_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
REASONS = ("fog", "ice", "downgrade_rain", "risk")
# How a bulletin heads a warning: 大雾橙色预警, 道路结冰红色预警 (the CMA signals' names), …
REASON_ZH = {"fog": "大雾", "ice": "道路结冰", "downgrade_rain": "长下坡降雨", "risk": "事故风险"}
REASON_EN = {"fog": "fog", "ice": "road icing", "downgrade_rain": "rain on a long downgrade", "risk": "accident risk"}


@dataclass(frozen=True)
class WarningRule:
    """One row: a reason, the level it issues and its conditions (None: no condition of that kind)."""

    id: str
    reason: str
    level: str
    visibility_below_m: float | None = None
    surface_at_or_below_c: float | None = None
    precipitation_at_least_mm: float | None = None
    relative_risk_at_least: float | None = None
    declared: bool | None = None  # true: only where an operator declared the condition (an ice zone's icing)

    def holds(
        self,
        *,
        visibility_m: float | None = None,
        surface_c: float | None = None,
        precipitation_mm: float | None = None,
        relative_risk: float | None = None,
        declared: float | bool | None = None,
    ) -> bool:
        """Whether every condition of the rule holds for these readings (a missing reading fails it)."""
        if self.declared and not declared:
            return False
        checks = (
            (self.visibility_below_m, visibility_m, lambda v, t: v < t),
            (self.surface_at_or_below_c, surface_c, lambda v, t: v <= t),
            (self.precipitation_at_least_mm, precipitation_mm, lambda v, t: v >= t),
            (self.relative_risk_at_least, relative_risk, lambda v, t: v >= t),
        )
        for threshold, value, ok in checks:
            if threshold is not None and (value is None or not ok(value, threshold)):
                return False
        return True


@dataclass(frozen=True)
class WarningRules:
    """Every rule, and the risk trigger's limits."""

    rules: tuple[WarningRule, ...]
    risk_road_classes: frozenset[str]
    risk_max_warnings: int
    risk_valid_min: float
    risk_min_rise: float = 1.5

    def highest(self, reason: str, **readings: float | bool | None) -> WarningRule | None:
        """The rule of `reason` with the highest level that holds for `readings`, if any."""
        held = [r for r in self.rules if r.reason == reason and r.holds(**readings)]
        return max(held, key=lambda r: LEVELS.index(r.level), default=None)


def parse_rules(text: str) -> WarningRules:
    """The rules of a warning_rules.toml text (ValueError naming a bad row)."""
    data = tomllib.loads(text)
    rules = []
    for i, row in enumerate(data.get("rule", [])):
        rule = WarningRule(**row)
        if rule.reason not in REASONS or rule.level not in LEVELS:
            raise ValueError(f"rule {i} ({rule.id}): reason must be one of {REASONS}, level one of {LEVELS}")
        rules.append(rule)
    risk = data.get("risk", {})
    return WarningRules(
        rules=tuple(rules),
        risk_road_classes=frozenset(risk.get("road_classes", ("expressway", "national", "provincial"))),
        risk_max_warnings=int(risk.get("max_warnings", 50)),
        risk_valid_min=float(risk.get("valid_min", 60)),
        risk_min_rise=float(risk.get("min_rise", 1.5)),
    )


@cache
def default_rules() -> WarningRules:
    """The rules shipped with Daoan."""
    return parse_rules(RULES_FILE.read_text(encoding="utf-8"))
