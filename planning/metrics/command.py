"""Command centre metrics: share of counties with one; every city has one."""

from __future__ import annotations

from typing import Any

from planning.areas import Area, AreaTree, city_code
from planning.data import CoverageData
from planning.metrics.base import result, share_result, units_meeting
from planning.metrics.tally import Amounts, Below, Tally
from planning.standards import Target


def tally_command(data: CoverageData) -> Tally:
    """Per county: 1 county, and 1 when it has a county-level command centre; per city: its centre."""
    tally = Tally()
    tree: AreaTree = data.areas
    county_centres = {code for level, code in data.command_centres if level == "county"}
    # A city centre recorded with the adcode of the district it stands in still serves its city.
    city_centres = {city_code(code) for level, code in data.command_centres if level == "city" and code}
    for code, area in tree.areas.items():
        if area.level != "county":
            continue
        tally.add(code, "command.counties", 1.0)
        if code in county_centres:
            tally.add(code, "command.county_centres", 1.0)
    for city in tree.cities:
        if city.adcode in city_centres:
            tally.mark(city.adcode, "command.city_centres", city.adcode)
    return tally


def evaluate_county_share(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    """Share of counties with a command centre (a county shows whether it has one)."""
    counties, with_centre = amounts.n("command.counties"), amounts.n("command.county_centres")
    if area.level == "county":
        return result(target, value=int(with_centre), target_value=None, met=None, unit="has_centre")
    return share_result(
        target,
        with_centre,
        counties,
        counties=int(counties),
        counties_with_centre=int(with_centre),
    )


def evaluate_city(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    """Every city has a command centre."""
    if area.level == "county":
        return result(target, value=None, target_value=None, met=None, unit="has_centre")
    if area.level == "city":
        has = amounts.count("command.city_centres") > 0
        return result(target, value=int(has), target_value=1, met=has, unit="has_centre")
    met, of = units_meeting(below("city"))
    return result(target, value=met, target_value=of, met=(met == of) if of else None, unit="cities")
