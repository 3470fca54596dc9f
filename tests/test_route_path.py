"""The route request path stays lean (issue 12): a route looks up only the layer versions routing
depends on, never running a derived layer's refresher."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from gis.versions import LayerVersions
from routing.service import ROUTING_LAYERS, Router


class CountingRefresher:
    """A derived layer's refresher that only counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, engine: sa.Engine, versions: Mapping[str, int]) -> bool:
        self.calls += 1
        return False

    def ensure_current(self, engine: sa.Engine) -> bool:
        self.calls += 1
        return False


def test_router_versions_skip_derived_layers(settings, engine):
    refresher = CountingRefresher()
    versions = LayerVersions(engine, ttl_s=0.0, listen=False, refreshers={"coverage_gaps": refresher})
    router = Router(engine, settings, versions)
    seen = router.versions()
    assert refresher.calls == 0
    assert set(seen) <= set(ROUTING_LAYERS)
    assert "road_segments" in seen and "incidents" in seen
    assert versions.current()["coverage_gaps"] >= 0  # the refresher still runs for a reader of that layer
    assert refresher.calls == 1
