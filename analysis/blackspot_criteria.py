"""The black-spot criteria and weights (analysis/data/blackspot_criteria.toml), read once (the DEM
hazard criteria are analysis/criteria.py's)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CRITERIA_FILE = Path(__file__).parent / "data" / "blackspot_criteria.toml"
COUNTS = ("accidents", "fatal", "major")
SEVERITIES = ("fatal", "injury", "property")


@dataclass(frozen=True)
class Rule:
    """One window criterion: at least `min_count` accidents of a kind within `length_m` per `per_years`."""

    id: str
    name_zh: str
    length_m: float
    count: str
    min_count: int
    per_years: float
    road_classes: tuple[str, ...] | None = None

    def name_en(self) -> str:
        """The rule in English from its numbers (the data file names it in Chinese only)."""
        what = {"accidents": "accidents", "fatal": "fatal accidents", "major": "accidents with 3 or more deaths"}
        years = "a year" if self.per_years == 1 else f"in {self.per_years:g} years"
        return f"{self.min_count}+ {what.get(self.count, self.count)} within {self.length_m:g} m {years}"

    def threshold(self, years: float) -> int:
        """The count a window must reach over a period of `years` (a calendar period's leap days do not
        raise it: 0.05 of an accident is forgiven before rounding up)."""
        return max(1, math.ceil(self.min_count * years / self.per_years - 0.05))


@dataclass(frozen=True)
class Criteria:
    weights: dict[str, float]
    step_m: float
    rules: tuple[Rule, ...]
    eb_site_length_m: float
    eb_min_sites: int
    source_zh: str = ""  # how a report cites the rules' source
    source_en: str = ""


@cache
def criteria(path: Path = CRITERIA_FILE) -> Criteria:
    """The criteria in `path` (ValueError naming what is wrong)."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    weights = {k: float(doc["weights"][k]) for k in SEVERITIES}
    rules = []
    for raw in doc["window"]["rules"]:
        if raw["count"] not in COUNTS:
            raise ValueError(f"{path.name}: rule {raw['id']}: count must be one of {', '.join(COUNTS)}")
        rules.append(
            Rule(
                raw["id"],
                raw["name_zh"],
                float(raw["length_m"]),
                raw["count"],
                int(raw["min_count"]),
                float(raw["per_years"]),
                tuple(raw["road_classes"]) if "road_classes" in raw else None,
            )
        )
    return Criteria(
        weights,
        float(doc["window"]["step_m"]),
        tuple(rules),
        float(doc["eb"]["site_length_m"]),
        int(doc["eb"]["min_sites"]),
        str(doc.get("source", {}).get("zh", "")),
        str(doc.get("source", {}).get("en", "")),
    )
