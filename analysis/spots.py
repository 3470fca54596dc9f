"""A black spot as every method reports it."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field


@dataclass
class Spot:
    """One ranked 事故多发点段: a stretch of a route in a direction, with its counts and score."""

    method: str
    route_code: str
    direction: str  # up, down, both
    from_stake_m: float
    to_stake_m: float
    score: float
    accidents: int
    fatal: int
    injury: int
    property: int
    deaths: int
    injuries: int
    road_class: str | None = None
    county_adcode: str | None = None
    predicted: float | None = None  # eb
    expected: float | None = None  # eb
    criteria: list[str] = field(default_factory=list)  # window: the rules met
    rank: int = 0
    geometry: dict | None = None

    @builtins.property  # the field `property` (财产损失 accidents) hides the builtin here
    def kind(self) -> str:
        """point (点: up to 1 km) or section (段)."""
        return "point" if self.to_stake_m - self.from_stake_m <= 1000 else "section"


def rank(spots: list[Spot]) -> list[Spot]:
    """`spots` by score, highest first (ties by route and stake), numbered from 1."""
    spots.sort(key=lambda s: (-s.score, s.route_code, s.direction, s.from_stake_m))
    for i, spot in enumerate(spots, start=1):
        spot.rank = i
    return spots
