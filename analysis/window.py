"""Black spots by the sliding window: along each route and direction, windows of each rule's length
every `step_m`, counted by severity; a window meeting a rule is a candidate, and the best candidates
that do not overlap (per rule length) become black spots, scored by severity-weighted accidents per
year (criteria and weights: analysis/data/blackspot_criteria.toml)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from analysis.blackspot_criteria import Criteria, Rule
from analysis.records import MAJOR_DEATHS, AccidentArrays
from analysis.spots import Spot


def _groups(acc: AccidentArrays) -> dict[tuple[str, str], np.ndarray]:
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, key in enumerate(zip(acc.route, acc.direction, strict=True)):
        out[key].append(i)
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def _majority(values: np.ndarray) -> str | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    names, counts = np.unique(np.array(present, dtype=str), return_counts=True)
    return str(names[int(np.argmax(counts))])


def window_spots(acc: AccidentArrays, crit: Criteria, years: float) -> list[Spot]:
    """The black spots of the accidents `acc` over a period of `years` (unranked)."""
    if len(acc) == 0 or years <= 0:
        return []
    w = crit.weights
    weight = np.array([w["fatal"], w["injury"], w["property"]])[acc.severity]
    major = (acc.deaths >= MAJOR_DEATHS).astype(np.int64)
    spots: list[Spot] = []
    lengths = sorted({r.length_m for r in crit.rules})
    for (route, direction), idx in _groups(acc).items():
        order = idx[np.argsort(acc.stake_m[idx], kind="stable")]
        x = acc.stake_m[order]
        cum = {
            "accidents": np.concatenate([[0], np.cumsum(np.ones(len(order), dtype=np.int64))]),
            "fatal": np.concatenate([[0], np.cumsum(acc.severity[order] == 0)]),
            "injury": np.concatenate([[0], np.cumsum(acc.severity[order] == 1)]),
            "major": np.concatenate([[0], np.cumsum(major[order])]),
            "weight": np.concatenate([[0.0], np.cumsum(weight[order])]),
        }
        for length in lengths:
            rules = [r for r in crit.rules if r.length_m == length]
            starts = np.arange(
                np.floor((x[0] - length) / crit.step_m + 1) * crit.step_m, x[-1] + crit.step_m, crit.step_m
            )
            starts = starts[starts >= 0] if x[0] >= 0 else starts
            if len(starts) == 0:
                continue
            lo = np.searchsorted(x, starts, side="left")
            hi = np.searchsorted(x, starts + length, side="left")
            counts = {k: c[hi] - c[lo] for k, c in cum.items()}
            met = np.zeros(len(starts), dtype=bool)
            met_by: list[tuple[Rule, np.ndarray]] = []
            for rule in rules:
                ok = counts[rule.count] >= rule.threshold(years)
                if rule.road_classes is not None and ok.any():
                    ok &= np.array(
                        [
                            _majority(acc.road_class[order[a:b]]) in rule.road_classes if m else False
                            for a, b, m in zip(lo, hi, ok, strict=True)
                        ]
                    )
                met_by.append((rule, ok))
                met |= ok
            if not met.any():
                continue
            candidates = np.flatnonzero(met)
            # best first; a window overlapping one already taken is left out
            candidates = candidates[np.argsort(-counts["weight"][candidates], kind="stable")]
            taken: list[tuple[float, float]] = []
            for c in candidates:
                s0, s1 = float(starts[c]), float(starts[c] + length)
                if any(s0 < t1 and t0 < s1 for t0, t1 in taken):
                    continue
                taken.append((s0, s1))
                members = order[lo[c] : hi[c]]
                fatal = int(counts["fatal"][c])
                injury = int(counts["injury"][c])
                total = int(counts["accidents"][c])
                spots.append(
                    Spot(
                        "window",
                        str(route),
                        str(direction),
                        s0,
                        s1,
                        float(counts["weight"][c]) / years,
                        total,
                        fatal,
                        injury,
                        total - fatal - injury,
                        int(acc.deaths[members].sum()),
                        int(acc.injuries[members].sum()),
                        road_class=_majority(acc.road_class[members]),
                        county_adcode=_majority(acc.county[members]),
                        criteria=[r.id for r, ok in met_by if ok[c]],
                    )
                )
    return spots
