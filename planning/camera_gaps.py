"""Camera spacing gaps of every measured route and direction, with the minimal new positions closing them."""

from __future__ import annotations

from dataclasses import dataclass

from gis.stake import format_stake
from planning.data import CoverageData
from planning.gaps import Stretch, close_stretch, spacing_gaps
from planning.linear import RouteLine


@dataclass(frozen=True)
class NewCamera:
    """A suggested camera position: where on which carriageway, and the segment and county there."""

    gap_id: int
    route_code: str
    group: str
    direction: str
    stake_m: float
    segment_id: int
    county: str


@dataclass(frozen=True)
class CameraGap:
    """A stretch longer than the spacing without a camera, on one route and direction."""

    id: int
    route_code: str
    group: str
    direction: str
    stretch: Stretch
    spacing_m: float
    length_by_county: dict[str, float]
    new_cameras: tuple[NewCamera, ...]

    @property
    def length_m(self) -> float:
        """Length of the gap (m)."""
        return self.stretch.length_m

    def as_properties(self) -> dict[str, object]:
        """The gap as report/GeoJSON properties."""
        return {
            "gap_id": self.id,
            "route_code": self.route_code,
            "roads": self.group,
            "direction": self.direction,
            "from_stake": format_stake(self.stretch.from_m),
            "to_stake": format_stake(self.stretch.to_m),
            "from_stake_m": round(self.stretch.from_m, 1),
            "to_stake_m": round(self.stretch.to_m, 1),
            "length_m": round(self.length_m, 1),
            "spacing_m": self.spacing_m,
            "bounded_by": [
                "camera" if self.stretch.from_camera else "road_end",
                "camera" if self.stretch.to_camera else "road_end",
            ],
            "cameras_needed": len(self.new_cameras),
            "counties": sorted(c for c in self.length_by_county if c),
        }


def camera_gaps(
    data: CoverageData,
    spacing_m: dict[str, float],
    *,
    join_tolerance_m: float = 50.0,
    counties: set[str] | None = None,
) -> list[CameraGap]:
    """Every spacing gap on the lines of the road groups in `spacing_m` (group → spacing), optionally
    only those touching `counties`; each with the greedy (minimal) new positions closing it."""
    out: list[CameraGap] = []
    gap_id = 0
    for (route, group, direction), line in sorted(data.network.lines.items()):
        if group not in spacing_m:
            continue
        spacing = spacing_m[group]
        cams = data.cameras.on(route, group, direction)
        for stretch in spacing_gaps(line.runs(join_tolerance_m), cams, spacing):
            gap_id += 1  # numbered over the whole province, so that ids do not depend on the area asked
            by_county = line.length_by_county(stretch.from_m, stretch.to_m)
            if counties is not None and not (set(by_county) & counties):
                continue
            new = []
            for stake in close_stretch(stretch, spacing):
                i = line.locate(stake)
                if i < 0:  # inside a bridged stake break: the nearest covered stake
                    i = line.locate(_nearest_covered(line, stake))
                new.append(NewCamera(gap_id, route, group, direction, stake, int(line.segment[i]), str(line.county[i])))
            out.append(CameraGap(gap_id, route, group, direction, stretch, spacing, by_county, tuple(new)))
    return out


def _nearest_covered(line: RouteLine, stake: float) -> float:
    best, dist = stake, float("inf")
    for i in range(len(line.segment)):
        if line.segment[i] < 0:
            continue
        a, b = float(line.breaks[i]), float(line.breaks[i + 1])
        candidate = min(max(stake, a), b)
        if abs(candidate - stake) < dist:
            best, dist = candidate, abs(candidate - stake)
    return best
