"""How a diversion plan places its measures (routing/data/plan_rules.toml): the entrance-closure window,
how far beyond the far diversion point signs carry the plan, and the size of a mobile board."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PLAN_RULES_FILE = Path(__file__).resolve().parent / "data" / "plan_rules.toml"


@dataclass(frozen=True)
class PlanRules:
    entrance_window_m: float
    far_close_m: float
    signs_past_far_m: float
    mobile_board_lines: int
    mobile_board_chars: int


@cache
def plan_rules() -> PlanRules:
    """The plan rules of the data file (read once)."""
    data = tomllib.loads(PLAN_RULES_FILE.read_text(encoding="utf-8"))
    return PlanRules(
        entrance_window_m=float(data["entrance_window_m"]),
        far_close_m=float(data["far_close_m"]),
        signs_past_far_m=float(data["signs_past_far_m"]),
        mobile_board_lines=int(data["mobile_board_lines"]),
        mobile_board_chars=int(data["mobile_board_chars"]),
    )
