"""Additive amounts per county (lengths, counts, sets of ids), summed up the area tree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from planning.areas import Area, AreaTree


class Tally:
    """Amounts per place (county, or city for city-level items): numbers add up, sets of ids unite."""

    def __init__(self) -> None:
        self.numbers: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.sets: dict[str, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))

    def add(self, county: str, key: str, value: float) -> None:
        """Add `value` to `key` of `county`."""
        self.numbers[county][key] += value

    def mark(self, county: str, key: str, item: Any) -> None:
        """Put `item` in the set `key` of `county`."""
        self.sets[county][key].add(item)

    def merge(self, other: Tally) -> None:
        """Fold `other` into this tally."""
        for county, amounts in other.numbers.items():
            for key, value in amounts.items():
                self.numbers[county][key] += value
        for county, sets in other.sets.items():
            for key, items in sets.items():
                self.sets[county][key] |= items

    def amounts(self, counties: Iterable[str]) -> Amounts:
        """Summed amounts over `counties`."""
        numbers: dict[str, float] = defaultdict(float)
        sets: dict[str, set[Any]] = defaultdict(set)
        for county in counties:
            for key, value in self.numbers.get(county, {}).items():
                numbers[key] += value
            for key, items in self.sets.get(county, {}).items():
                sets[key] |= items
        return Amounts(dict(numbers), dict(sets))


@dataclass(frozen=True)
class Amounts:
    """The amounts of one area."""

    numbers: dict[str, float] = field(default_factory=dict)
    sets: dict[str, set[Any]] = field(default_factory=dict)

    def n(self, key: str) -> float:
        """A number (0 when absent)."""
        return self.numbers.get(key, 0.0)

    def count(self, key: str) -> int:
        """The size of a set (0 when absent)."""
        return len(self.sets.get(key, ()))


# Results of one metric in the areas of a level below the area being evaluated.
Below = Callable[[str], list[dict[str, Any]]]


def area_places(tree: AreaTree, area: Area) -> list[str]:
    """The places whose amounts make up `area`: every adcode in its subtree (items are booked on the most
    precise area known), and for the province also items whose county is unknown ('')."""
    places = [a.adcode for a in tree.subtree(area.adcode)]
    return [*places, ""] if area.level == "province" else places
