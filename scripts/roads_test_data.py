"""Write the road-import test files (tests/data/roads/) from the real OSM expressway lines.

    .venv/bin/python scripts/roads_test_data.py ../shared/data/roads/hunan_expressways_osm/hunan_expressways_osm.geojson

Four real expressways around Changsha (G0421, G5513, S50, G0401; © OpenStreetMap contributors,
ODbL 1.0), clipped to a window and made into what a transport department delivers: rows with
route code, name, grades, stakes, lanes, surface and direction, the hub interchanges drawn in.
- G0421 × G5513 cross at a vertex both lines share: a junction (枢纽互通).
- G5513 ends on G0401 and S50 starts at G0401's end: junctions at line ends (the OSM lines stop
  30 m and 3.3 km short; the connection is drawn, as the demo builder does).
- S50 is a dual carriageway (上行 and 下行 lines 15 m either side of the OSM centreline, both
  drawn in the direction of increasing stakes, as many road databases draw them); where it
  passes under G0421, the 上行 line shares a vertex with G0421's bridge row (桥梁 是): a grade-
  separated crossing that must not be joined; the 下行 line shares no vertex there.
The same network is written as GeoJSON (WGS84, stakes as K text), a Shapefile (CGCS2000
geographic, stakes in km, Chinese column names as GDAL cuts them), a zipped Shapefile (CGCS2000
3-degree Gauss-Kruger zone 38, EPSG:4547, pinyin columns, stakes in metres), a GeoPackage
(EPSG:4547, pinyin columns, stakes in km) and FlatGeobuf (GCJ-02 coordinates, English columns).
Deterministic: the same input gives the same files.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pyproj
import shapely
from shapely.geometry import LineString, Point

from gis import chinacrs
from gis.stake import format_stake
from layers.ingest.roads_network import line_lengths_m

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "roads"
WINDOW = (112.68, 28.02, 112.92, 28.32)
UTM = pyproj.Transformer.from_crs(4326, 32649, always_xy=True)
LONLAT = pyproj.Transformer.from_crs(32649, 4326, always_xy=True)


def _xy(line: LineString) -> LineString:
    return shapely.transform(line, lambda c: np.column_stack(UTM.transform(c[:, 0], c[:, 1])))


def _ll(line: LineString) -> LineString:
    return shapely.transform(line, lambda c: np.column_stack(LONLAT.transform(c[:, 0], c[:, 1])))


def _length(line: LineString) -> float:
    c = np.asarray(line.coords)
    return float(line_lengths_m(c, np.array([0, len(c)]))[1][0])


def _with_vertex(line: LineString, point: Point) -> LineString:
    """`line` (metres) with `point` added as a vertex where it lies on it."""
    d = line.project(point)
    coords = list(line.coords)
    acc = 0.0
    for k in range(len(coords) - 1):
        step = Point(coords[k]).distance(Point(coords[k + 1]))
        if acc + step >= d:
            return LineString([*coords[: k + 1], point.coords[0], *coords[k + 1 :]])
        acc += step
    return LineString([*coords, point.coords[0]])


def _split(line: LineString, at_m: list[float]) -> list[LineString]:
    """`line` (metres) cut at distances `at_m` along it (cut points become shared vertices)."""
    pieces, rest, done = [], line, 0.0
    for d in at_m:
        point = rest.interpolate(d - done)
        rest = _with_vertex(rest, point)
        coords = list(rest.coords)
        k = coords.index(point.coords[0])
        pieces.append(LineString(coords[: k + 1]))
        rest = LineString(coords[k:])
        done = d
    return [*pieces, rest]


def build(source: Path) -> list[dict]:
    doc = json.loads(source.read_text(encoding="utf-8"))
    lines = {f["properties"]["ref"]: shapely.geometry.shape(f["geometry"]) for f in doc["features"]}
    window = shapely.box(*WINDOW)
    g0421 = _xy(lines["G0421"].intersection(window))
    g5513 = _xy(lines["G5513"].intersection(window))
    s50 = _xy(lines["S50"].intersection(window))
    g0401 = _xy(lines["G0401"].intersection(window))

    # G0421 × G5513: the crossing becomes a vertex of both (a hub interchange).
    hub = g0421.intersection(g5513)
    g0421, g5513 = _with_vertex(g0421, hub), _with_vertex(g5513, hub)
    # G5513 stops 30 m short of G0401: its end is drawn onto G0401, which gets the vertex.
    joint = g0401.interpolate(g0401.project(Point(g5513.coords[-1])))
    g5513 = LineString([*g5513.coords, joint.coords[0]])
    g0401 = _with_vertex(g0401, joint)
    # S50 starts 3.3 km from G0401's end: the link is drawn from that end (the hub interchange).
    s50 = LineString([g0401.coords[-1], *s50.coords])

    # G0421: a bridge row 300 m either side of where S50 passes under it, split into rows there.
    under = g0421.project(g0421.intersection(s50))
    north = g0421.project(hub) + 5000.0  # a row boundary away from the hub: the hub stays inside a row
    rows_0421 = _split(g0421, [north, under - 300.0, under + 300.0])
    # S50's carriageways, 15 m either side, both starting at G0401's end.
    up = s50.offset_curve(-15.0)
    down = s50.offset_curve(15.0)
    up = LineString([s50.coords[0], *list(up.coords)[1:]])
    down = LineString([s50.coords[0], *list(down.coords)[1:]])
    # the 上行 line shares a vertex with G0421's bridge row where it passes under it
    bridge = rows_0421[2]
    cross = up.intersection(bridge)
    up, rows_0421[2] = _with_vertex(up, cross), _with_vertex(bridge, cross)

    rows: list[dict] = []

    def add(code: str, name: str, admin: str, geom: LineString, start_m: float, *, decreasing: bool = False, **extra):
        ll = _ll(geom)
        length = round(_length(ll))
        end_m = start_m - length if decreasing else start_m + length
        rows.append(
            {
                "code": code,
                "name": name,
                "admin": admin,
                "grade": "高速公路",
                "start_m": float(start_m),
                "end_m": float(end_m),
                "lanes": extra.get("lanes", 4),
                "surface": "沥青混凝土",
                "direction": extra.get("direction", "双向"),
                "bridge": extra.get("bridge", "否"),
                "geom": ll,
            }
        )
        return end_m

    stake = 1_478_000.0  # G0421 comes from 许昌: its stakes run south, K1478 at the window's north edge
    for k, piece in enumerate(rows_0421):
        stake = add("G0421", "许广高速", "国道", piece, stake, bridge="是" if k == 2 else "否")
    # G5513 (长张) starts at Changsha: the OSM line runs west → east, so its stakes fall along it.
    add("G5513", "长张高速", "国道", g5513, round(_length(_ll(g5513))), decreasing=True)
    add("G0401", "长沙绕城高速", "国道", g0401, 21_000.0, lanes=6)
    # S50 (长芷) from Changsha: 上行 away from it; both carriageways drawn K0 → west.
    add("S50", "长芷高速", "省道", up, 0.0, direction="上行", lanes=2)
    add("S50", "长芷高速", "省道", down, 0.0, direction="下行", lanes=2)
    return rows


def _write_ogr(path: Path, rows: list[dict], names: dict[str, str], *, crs: int, stake: str, driver: str) -> None:
    to = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    geoms = [shapely.transform(r["geom"], lambda c: np.column_stack(to.transform(c[:, 0], c[:, 1]))) for r in rows]
    wkb = np.array(shapely.to_wkb(geoms), dtype=object)

    def stake_value(m: float) -> object:
        return m / 1000.0 if stake == "km" else m

    data = {
        "code": np.array([r["code"] for r in rows], dtype=object),
        "name": np.array([r["name"] for r in rows], dtype=object),
        "grade": np.array([r["grade"] for r in rows], dtype=object),
        "admin": np.array([r["admin"] for r in rows], dtype=object),
        "start": np.array([stake_value(r["start_m"]) for r in rows], dtype=float),
        "end": np.array([stake_value(r["end_m"]) for r in rows], dtype=float),
        "lanes": np.array([r["lanes"] for r in rows], dtype=np.int32),
        "surface": np.array([r["surface"] for r in rows], dtype=object),
        "direction": np.array([r["direction"] for r in rows], dtype=object),
        "bridge": np.array([r["bridge"] for r in rows], dtype=object),
    }
    fields = list(names.values())
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    pyogrio.raw.write(
        path,
        wkb,
        [data[k] for k in names],
        fields,
        driver=driver,
        geometry_type="LineString",
        crs=f"EPSG:{crs}",
        encoding="GBK" if driver == "ESRI Shapefile" else None,
    )


CHINESE = {
    "code": "路线编码",
    "name": "路线名称",
    "grade": "技术等级",
    "admin": "行政等级",
    "start": "起点桩号",
    "end": "止点桩号",
    "lanes": "车道数",
    "surface": "路面类型",
    "direction": "方向",
    "bridge": "桥梁",
}
PINYIN = {
    "code": "LXBM",
    "name": "LXMC",
    "grade": "JSDJ",
    "admin": "XZDJ",
    "start": "QDZH",
    "end": "ZDZH",
    "lanes": "CDS",
    "surface": "LMLX",
    "direction": "FX",
    "bridge": "QL",
}
ENGLISH = {
    "code": "road_code",  # not a default name: the tests map it with --map route_code=road_code
    "name": "name",
    "grade": "technical_grade",
    "admin": "admin_grade",
    "start": "start_stake",
    "end": "end_stake",
    "lanes": "lanes",
    "surface": "surface",
    "direction": "direction",
    "bridge": "bridge",
}


def write_all(rows: list[dict]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    features = []
    for i, r in enumerate(rows, start=1):
        props = {
            CHINESE["code"]: r["code"],
            CHINESE["name"]: r["name"],
            CHINESE["grade"]: r["grade"],
            CHINESE["admin"]: r["admin"],
            CHINESE["start"]: format_stake(r["start_m"]),
            CHINESE["end"]: format_stake(r["end_m"]),
            CHINESE["lanes"]: r["lanes"],
            CHINESE["surface"]: r["surface"],
            CHINESE["direction"]: r["direction"],
            CHINESE["bridge"]: r["bridge"],
        }
        coords = [[round(x, 7), round(y, 7)] for x, y in r["geom"].coords]
        features.append(
            {"type": "Feature", "id": i, "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}
        )
    doc = {
        "type": "FeatureCollection",
        "name": "changsha_expressways",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0 (lines); rows, stakes and junctions: Daoan tests",
        "features": features,
    }
    (OUT / "changsha_expressways.geojson").write_text(
        json.dumps(doc, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    # the rounded GeoJSON coordinates are the network; every other format is written from them
    rows = [
        dict(r, geom=LineString(f["geometry"]["coordinates"]))  # type: ignore[index]
        for r, f in zip(rows, features, strict=True)
    ]
    _write_ogr(OUT / "changsha_expressways_cgcs2000.shp", rows, CHINESE, crs=4490, stake="km", driver="ESRI Shapefile")
    tmp = OUT / "zipped" / "changsha_expressways_4547.shp"
    tmp.parent.mkdir(exist_ok=True)
    _write_ogr(tmp, rows, PINYIN, crs=4547, stake="m", driver="ESRI Shapefile")
    with zipfile.ZipFile(OUT / "changsha_expressways_4547.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            part = tmp.with_suffix(suffix)
            if part.exists():
                info = zipfile.ZipInfo(part.name, date_time=(2019, 12, 31, 0, 0, 0))
                zf.writestr(info, part.read_bytes())
                part.unlink()
    tmp.parent.rmdir()
    _write_ogr(OUT / "changsha_expressways_4547.gpkg", rows, PINYIN, crs=4547, stake="km", driver="GPKG")
    gcj = []
    for r in rows:
        c = np.asarray(r["geom"].coords)
        lon, lat = chinacrs.from_wgs84("gcj02", c[:, 0], c[:, 1])
        gcj.append(dict(r, geom=LineString(np.column_stack([lon, lat]))))
    _write_ogr(OUT / "changsha_expressways_gcj02.fgb", gcj, ENGLISH, crs=4326, stake="km", driver="FlatGeobuf")


if __name__ == "__main__":
    write_all(build(Path(sys.argv[1])))
