"""The shape of one metric result, shared by every metric family."""

from __future__ import annotations

import math
from typing import Any

from planning.areas import Area
from planning.metrics.tally import Amounts, Below
from planning.standards import Target


def rounded(value: float | None, digits: int = 3) -> float | None:
    """`value` rounded for a report (None and non-finite stay None)."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def result(
    target: Target,
    *,
    value: float | int | None,
    target_value: float | int | None,
    met: bool | None,
    unit: str,
    **details: Any,
) -> dict[str, Any]:
    """One metric of one area: its value, the target it is measured against and whether it is met."""
    return {
        "value": rounded(value) if isinstance(value, float) else value,
        "target": plain(target_value),
        "met": met,
        "unit": unit,
        "roads": target.roads,
        "standard": {
            "metric": target.metric,
            "value": plain(target.value),
            "scope": target.scope,
            "carried_from": target.carried_from,
            "seed": target.seed,
            "counts": target.counts,
            "since": target.since.isoformat() if target.since else None,
        },
        **details,
    }


def share_result(target: Target, part: float, whole: float, **details: Any) -> dict[str, Any]:
    """A share metric (part / whole) against the target share; met is None when nothing is measured."""
    value = share(part, whole)
    return result(
        target,
        value=value,
        target_value=target.value,
        met=None if value is None else value >= target.value - 1e-9,
        unit="share",
        **details,
    )


def plain(value: float | int | None) -> float | int | None:
    """An integral float as an int (a target of 1.0 stations reads 1), other values unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def share(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to measure."""
    return part / whole if whole > 0 else None


def units_meeting(below: list[dict[str, Any]]) -> tuple[int, int]:
    """(areas meeting, areas the target applies to) among results of areas below."""
    applicable = [r for r in below if r.get("met") is not None]
    return sum(1 for r in applicable if r["met"]), len(applicable)


LEVELS = ("county", "city", "province")


def is_above(level: str, scope: str) -> bool:
    """Whether `level` lies above `scope` (the province is above a city, a city above a county)."""
    return LEVELS.index(level) > LEVELS.index(scope)


def evaluate_count(
    area: Area, amounts: Amounts, target: Target, below: Below, *, key: str, unit: str, applies: bool = True
) -> dict[str, Any]:
    """A count against a target set for one level (the province: 800 camera points, 25 stations);
    areas below it show their count, areas above it how many of theirs meet it. A construction target
    counts what was put into service since its start; the stock in service is given beside it."""
    stock = int(round(amounts.n(f"{target.roads}.{key}")))
    construction = target.counts == "construction"
    count = int(round(amounts.n(f"{target.roads}.{key}.built"))) if construction else stock
    details: dict[str, Any] = {"counts": target.counts}
    if construction:
        details["stock"] = stock
    if area.level == target.scope:
        goal = int(math.ceil(target.value))
        return result(
            target,
            value=count,
            target_value=goal,
            met=(count >= goal) if applies else None,
            unit=unit,
            missing=max(0, goal - count) if applies else 0,
            **details,
        )
    if is_above(area.level, target.scope):
        met, of = units_meeting(below(target.scope))
        return result(
            target,
            value=count,
            target_value=None,
            met=(met == of) if of else None,
            unit=unit,
            areas_meeting=met,
            areas_measured=of,
            **details,
        )
    return result(target, value=count, target_value=None, met=None, unit=unit, **details)
