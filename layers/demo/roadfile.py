"""The road network written as a transport department delivers it (公路电子地图): one FlatGeobuf of
centrelines in CGCS2000 with the Chinese columns `daoan import roads` reads (路段编码, 路线编码, 路线名称,
技术等级, 行政等级, 起点桩号, 止点桩号 in km, 车道数, 限速, 路面类型, 方向, 桥梁, 隧道).

The demo writes its generated network with it and loads the file through `import_roads`; the roads
import bench writes a loaded network with it (bench/roads_import_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio.raw

from gis.roads import rural_route_id

# Daoan's class → 行政等级 (an expressway's is its code's: G 国道, S 省道; 技术等级 says 高速公路).
ADMIN_GRADE = {
    "national": "国道",
    "provincial": "省道",
    "county": "县道",
    "township": "乡道",
    "village": "村道",
    "urban": "城市道路",
    "link": "匝道",
}
# The demo's roads carry no surface; the file gives each class the usual one (synthetic).
SURFACE = {
    "expressway": "沥青混凝土",
    "national": "沥青混凝土",
    "provincial": "沥青混凝土",
    "county": "沥青混凝土",
    "urban": "沥青混凝土",
    "link": "沥青混凝土",
    "township": "水泥混凝土",
    "village": "水泥混凝土",
}


@dataclass
class RoadFileRows:
    """One row per line, in the order written; `record_id` becomes the row's 路段编码 (the import's
    source_id); `wkb`: the lines (WGS84/CGCS2000 lon/lat), one-way ones drawn in their direction of travel."""

    record_id: np.ndarray  # int64
    road_class: np.ndarray  # str
    route_code: np.ndarray  # object: the 路线编码 (route_ids; None: uncoded)
    name: np.ndarray  # object
    oneway: np.ndarray  # bool
    lanes: np.ndarray  # int (0: not known)
    maxspeed_kmh: np.ndarray  # int (0: not posted)
    start_stake_m: np.ndarray  # float (nan: none)
    end_stake_m: np.ndarray
    bridge: np.ndarray  # bool
    tunnel: np.ndarray  # bool
    wkb: np.ndarray  # object: WKB bytes


def route_ids(road_class: np.ndarray, route_code: np.ndarray, county: np.ndarray) -> np.ndarray:
    """The 路线编码 of each line: a township road's number with its county's code appended (Y001430423;
    GB/T 917 numbers them within a county), other codes as they are (the demo numbers its county roads
    across the province)."""
    out = route_code.astype(object).copy()
    township = (road_class.astype(str) == "township") & np.array([c is not None for c in out.tolist()], dtype=bool)
    out[township] = [
        rural_route_id(c, a) for c, a in zip(out[township].tolist(), county[township].tolist(), strict=True)
    ]
    return out


def admin_grade(road_class: str, route_code: str | None) -> str:
    """行政等级 of a line: an expressway's by its code (G4 国道, S20 省道)."""
    if road_class == "expressway":
        return "省道" if (route_code or "").upper().startswith("S") else "国道"
    return ADMIN_GRADE[road_class]


def write_road_file(path: Path, rows: RoadFileRows) -> int:
    """Write `rows` as a department's FlatGeobuf at `path` (replaced); the number of rows."""
    n = len(rows.record_id)
    start, end = rows.start_stake_m.astype(float), rows.end_stake_m.astype(float)
    staked = ~np.isnan(start) & ~np.isnan(end)
    # 上行 runs with rising stakes, 下行 against them; a one-way line without stakes (a ramp) is 单向.
    direction = np.where(rows.oneway, np.where(staked, np.where(end >= start, "上行", "下行"), "单向"), "双向").astype(
        object
    )
    classes = rows.road_class.astype(str)
    codes = rows.route_code.astype(object)
    pairs = {(c, r) for c, r in zip(classes.tolist(), codes.tolist(), strict=True)}
    admin = {p: admin_grade(*p) for p in pairs}
    lanes = rows.lanes.astype(np.int32)
    speed = rows.maxspeed_kmh.astype(np.int32)
    fields = {
        "路段编码": rows.record_id.astype(np.int64),
        "路线编码": codes,
        "路线名称": rows.name.astype(object),
        "技术等级": np.array([("高速公路" if c == "expressway" else None) for c in classes.tolist()], dtype=object),
        "行政等级": np.array([admin[p] for p in zip(classes.tolist(), codes.tolist(), strict=True)], dtype=object),
        "起点桩号": np.round(start / 1000.0, 3),
        "止点桩号": np.round(end / 1000.0, 3),
        "车道数": lanes,
        "限速": speed,
        "路面类型": np.array([SURFACE[c] for c in classes.tolist()], dtype=object),
        "方向": direction,
        "桥梁": np.where(rows.bridge, "是", "否").astype(object),
        "隧道": np.where(rows.tunnel, "是", "否").astype(object),
    }
    mask: list[np.ndarray | None] = [None] * len(fields)
    mask[list(fields).index("车道数")] = lanes == 0
    mask[list(fields).index("限速")] = speed == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    pyogrio.raw.write(
        path,
        rows.wkb,
        list(fields.values()),
        list(fields),
        field_mask=mask,
        driver="FlatGeobuf",
        geometry_type="LineString",
        crs="EPSG:4490",
    )
    return n
