"""The province demo's road totals against Hunan's published statistics (layers/demo/data/README.md).

Checked on the generator's network (no database: generating the province takes seconds, loading it
minutes), by class, route lengths counting a dual carriageway's centreline once. The published figures
and the tolerance are stated here, not taken from the generator.
"""

from __future__ import annotations

import numpy as np
import pytest

from layers.demo.generate import SIZES, generate_world

# km; sources in layers/demo/data/README.md
EXPRESSWAY_KM = 6_802  # end of 2019
NATIONAL_PROVINCIAL_KM = 31_000  # 干线公路 3.1万公里, end of 2017 (no 2019 figure found)
RURAL_KM = 202_000  # 农村公路 20.2万公里 (county, township and village roads), end of 2017
PUBLIC_KM = 240_000  # all public roads, about (238,273 at the end of 2016)
# Within 5 % for expressways and national plus provincial roads; the rural and total figures within
# 10 % (the demo has no published split of its rural roads to aim at, and the statistics count no town
# streets, which the demo keeps apart as `urban`).
CLOSE, LOOSE = 0.05, 0.10


@pytest.fixture(scope="module")
def km() -> dict[str, float]:
    net = generate_world(SIZES["province"], 2017, lambda _: None).network
    classes = net.road_class.astype(str)
    # a dual carriageway's two one-way lines count once (each half); other roads are single lines
    share = np.where(net.oneway & (classes == "expressway"), 0.5, 1.0)
    out = {c: float((net.length_m * share)[classes == c].sum()) / 1000.0 for c in np.unique(classes).tolist()}
    out["segments"] = float(len(net.src))
    return out


def test_expressways_national_and_provincial_roads_match_the_published_totals(km: dict[str, float]) -> None:
    assert abs(km["expressway"] / EXPRESSWAY_KM - 1) <= CLOSE, km["expressway"]
    trunk = km["national"] + km["provincial"]
    assert abs(trunk / NATIONAL_PROVINCIAL_KM - 1) <= CLOSE, trunk
    assert km["national"] > 3000 and km["provincial"] > km["national"], km


def test_rural_roads_and_the_whole_network_stay_near_the_published_totals(km: dict[str, float]) -> None:
    rural = km["county"] + km["township"] + km["village"]
    assert abs(rural / RURAL_KM - 1) <= LOOSE, rural
    public = sum(km[c] for c in ("expressway", "national", "provincial", "county", "township", "village"))
    assert abs(public / PUBLIC_KM - 1) <= LOOSE, public
    # county and township roads keep the lengths they had before the provincial roads grew (~6,700 and
    # ~13,000 km): the provincial roads take village roads' edges, and the lattice has more of them
    assert km["county"] > 5000 and km["township"] > 11_000, km


def test_the_province_keeps_at_least_500000_segments(km: dict[str, float]) -> None:
    assert km["segments"] >= 500_000
