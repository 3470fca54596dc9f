"""Read a road centreline file (Shapefile, GeoPackage, GeoJSON, FlatGeobuf) into columns, vectorised.

A province's road database holds hundreds of thousands of lines, so nothing here loops per feature
in Python where numpy or shapely can take the whole column: GDAL (pyogrio) reads Shapefiles,
GeoPackages and FlatGeobuf after their headers were checked (formats.py); GeoJSON is parsed by
Python's json, never by GDAL, as for facility imports.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from pyproj.exceptions import CRSError

from gis.errors import InvalidParameter
from layers.ingest.formats import check_geopackage, check_shapefile, unzip_shapefile
from layers.ingest.readers import _geojson_crs, source_file  # importing readers also sets GDAL's no-network options

SUPPORTED = ".shp, .zip (a zipped Shapefile), .gpkg, .geojson/.json or .fgb (FlatGeobuf)"
FLATGEOBUF_MAGIC = b"fgb\x03fgb"  # FlatGeobuf spec: 'fgb', major version 3, 'fgb', patch version


@dataclass
class Coded:
    """A column as codes into its distinct values (value of row i: values[codes[i]]), as GDAL's
    Arrow stream gives it dictionary-encoded in C: a province's columns repeat a few values, and
    whatever reads them works once per distinct value."""

    codes: np.ndarray  # int64, one per row
    values: list[object]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> object:
        return self.values[self.codes[i]]

    def __iter__(self) -> Iterator[object]:
        return iter(self.tolist())

    def tolist(self) -> list[object]:
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return table[self.codes].tolist()


Column = list[object] | Coded


@dataclass
class RoadTable:
    """The rows of a road file: one geometry (LineString or None) and one value per column per row."""

    name: str
    format: str
    geometries: np.ndarray  # object array of shapely LineStrings (None where missing or unusable)
    columns: dict[str, Column]
    declared_crs: pyproj.CRS | None = None
    truncated_names: bool = False
    notes: list[str] = field(default_factory=list)
    geometry_errors: dict[int, str] = field(default_factory=dict)  # row index → reason

    def __len__(self) -> int:
        return len(self.geometries)


def read_roads(path: Path) -> RoadTable:
    """The rows of the road file at `path`, chosen by extension; InvalidParameter naming the file otherwise."""
    path, name, ext = source_file(path)
    if ext in (".geojson", ".json"):
        table = _read_geojson(path)
    elif ext in (".gpkg", ".shp", ".zip", ".fgb"):
        table = _read_ogr(path)
    else:
        raise InvalidParameter(f"cannot import {name} as roads: the file must be {SUPPORTED}", parameter="file")
    if not len(table):
        raise InvalidParameter(f"{name} contains no features", parameter="file")
    return table


def check_flatgeobuf(path: Path) -> None:
    """InvalidParameter unless the file starts with FlatGeobuf's magic bytes (version 3)."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head.startswith(FLATGEOBUF_MAGIC):
        raise InvalidParameter(
            f"{path.name} cannot be read as FlatGeobuf: expected the FlatGeobuf v3 magic bytes", parameter="file"
        )


def _lines(geoms: np.ndarray, errors: dict[int, str]) -> np.ndarray:
    """LineStrings of `geoms`: a MultiLineString whose parts join end to end is merged into one;
    anything else is None with the reason in `errors`."""
    out = np.full(len(geoms), None, dtype=object)
    kinds = shapely.get_type_id(geoms)
    line = kinds == 1
    out[line] = geoms[line]
    for i in np.flatnonzero(~line):
        g = geoms[i]
        if g is None:
            errors[int(i)] = "is missing"
            continue
        if kinds[i] == 5:  # MultiLineString
            merged = shapely.line_merge(g)
            if shapely.get_type_id(merged) == 1:
                out[i] = merged
            else:
                parts = shapely.get_num_geometries(g)
                errors[int(i)] = (
                    f"is a MultiLineString of {parts} parts that do not join end to end; split it into one row per line"
                )
            continue
        errors[int(i)] = f"is a {g.geom_type}; a road row must be a LineString"
    has = np.array([g is not None for g in out])
    if has.any():
        lines = out[has]
        coords, index = shapely.get_coordinates(lines, return_index=True)
        bad = np.bincount(index[~np.isfinite(coords).all(axis=1)], minlength=len(lines))
        coords_ok = bad == 0
        short = shapely.get_num_points(lines) < 2
        for j, i in enumerate(np.flatnonzero(has)):
            if not coords_ok[j]:
                errors[int(i)] = "has coordinates that are not finite numbers"
                out[i] = None
            elif short[j]:
                errors[int(i)] = "has fewer than two points"
                out[i] = None
    return out


# ---------------------------------------------------------------- GeoJSON (Python's json, never GDAL)
def _read_geojson(path: Path) -> RoadTable:
    name = path.name
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"{name} is not UTF-8 text (byte {exc.start})", parameter="file") from None
    except RecursionError:
        raise InvalidParameter(f"{name} is nested too deeply to be GeoJSON", parameter="file") from None
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", parameter="file"
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise InvalidParameter(f"{name} is not a GeoJSON FeatureCollection", parameter="file")
    features = doc["features"]
    n = len(features)
    lists: dict[str, list[object]] = {}
    errors: dict[int, str] = {}
    geoms = np.full(n, None, dtype=object)
    line_coords: list[list] = []
    line_rows: list[int] = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors[i] = "is not a GeoJSON Feature object"
            continue
        props = feature.get("properties") or {}
        if isinstance(props, dict):
            for key, value in props.items():
                if value is None or value == "":
                    continue
                col = lists.get(key)
                if col is None:
                    col = lists[key] = [None] * n
                col[i] = value
        if "id" in feature and feature["id"] is not None:
            col = lists.setdefault("\0feature_id", [None] * n)
            col[i] = feature["id"]
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            errors[i] = "is missing"
            continue
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        if kind == "LineString" and isinstance(coords, list) and _positions_ok(coords):
            line_coords.append(coords)
            line_rows.append(i)
        elif kind == "MultiLineString" and isinstance(coords, list) and all(_positions_ok(p) for p in coords):
            geoms[i] = shapely.multilinestrings([np.asarray(p, dtype=float)[:, :2] for p in coords])
        else:
            errors[i] = f"is not a LineString or MultiLineString of [lon, lat] positions (type {kind!r})"
    if line_rows:
        flat = np.asarray([p[:2] for c in line_coords for p in c], dtype=float)
        counts = np.fromiter((len(c) for c in line_coords), dtype=np.int64, count=len(line_coords))
        built = shapely.linestrings(flat, indices=np.repeat(np.arange(len(line_rows)), counts))
        geoms[np.asarray(line_rows)] = built
    missing = [i for i in range(n) if geoms[i] is None and i not in errors]
    for i in missing:
        errors[i] = "is missing"
    out_errors: dict[int, str] = {}
    valid = np.array([g is not None for g in geoms])
    out = np.full(n, None, dtype=object)
    if valid.any():
        sub: dict[int, str] = {}
        out[valid] = _lines(geoms[valid], sub)
        idx = np.flatnonzero(valid)
        out_errors.update({int(idx[k]): v for k, v in sub.items()})
    out_errors.update(errors)
    columns: dict[str, Column] = dict(lists)
    return RoadTable(name, "GeoJSON", out, columns, declared_crs=_geojson_crs(doc, name), geometry_errors=out_errors)


def _positions_ok(coords: object) -> bool:
    """A list of at least two [x, y(, z)] number lists, every number finite."""
    if not isinstance(coords, list) or len(coords) < 2:
        return False
    for p in coords:
        if not isinstance(p, list) or not 2 <= len(p) <= 3:
            return False
        for v in p:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                return False
    return True


# ---------------------------------------------------------------- GDAL formats
def _read_ogr(path: Path) -> RoadTable:
    name = path.name
    suffix = path.suffix.lower()
    label = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".zip": "zipped Shapefile", ".fgb": "FlatGeobuf"}[suffix]
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="daoan-roads-") as tmp:
        if suffix == ".gpkg":
            check_geopackage(path)
            opened, driver = path, "GPKG"
        elif suffix == ".shp":
            check_shapefile(path, name)
            opened, driver = path, "ESRI Shapefile"
        elif suffix == ".fgb":
            check_flatgeobuf(path)
            opened, driver = path, "FlatGeobuf"
        else:
            opened, driver = unzip_shapefile(path, Path(tmp)), "ESRI Shapefile"
        try:
            found = pyogrio.read_info(opened).get("driver")
            if found != driver:
                raise InvalidParameter(f"{name} cannot be read as {label}: GDAL took it for {found}", parameter="file")
            layers = pyogrio.list_layers(opened)
            if len(layers) > 1:
                notes.append(f"{name} holds {len(layers)} layers; read the first, {layers[0][0]!r}")
            meta, table = pyogrio.raw.read_arrow(opened, datetime_as_string=True, return_fids=True)
        except InvalidParameter:
            raise
        except UnicodeDecodeError:
            raise InvalidParameter(
                f"{name} cannot be read as {label}: its column names are cut in the middle of a character "
                "(a .dbf holds 10 bytes per name, three Chinese characters in UTF-8); save it with the GBK "
                "encoding (.cpg) or as a GeoPackage",
                parameter="file",
            ) from None
        except Exception as exc:  # GDAL reports unreadable files through several exception types
            message = str(exc).split("; It might help")[0].replace(str(opened), name).replace(tmp, "")
            raise InvalidParameter(f"{name} cannot be read as {label}: {message}", parameter="file") from None
    if not meta.get("geometry_name") and "wkb_geometry" not in table.column_names:
        raise InvalidParameter(f"{name} has no geometry column; road rows must be lines", parameter="file")
    declared = None
    if meta.get("crs"):
        try:
            declared = pyproj.CRS.from_user_input(meta["crs"])
        except CRSError:
            notes.append(f"{name} declares a CRS pyproj does not know; pass --crs")
    errors: dict[int, str] = {}
    wkb = table.column(meta.get("geometry_name") or "wkb_geometry").to_numpy(zero_copy_only=False)
    raw = shapely.from_wkb(wkb, on_invalid="ignore")
    if shapely.has_z(raw).any():
        raw = shapely.force_2d(raw)
    geoms = _lines(raw, errors)
    columns: dict[str, Column] = {}
    for fname in meta["fields"]:
        columns[str(fname)] = _coded(table.column(str(fname)))
    if meta.get("fid_column") and suffix == ".gpkg":
        columns["\0feature_id"] = table.column(meta["fid_column"]).to_pylist()
    return RoadTable(
        name,
        label,
        geoms,
        columns,
        declared_crs=declared,
        notes=notes,
        truncated_names=suffix in (".shp", ".zip"),
        geometry_errors=errors,
    )


def _coded(column: pa.ChunkedArray) -> Coded:
    """A GDAL field column, coded; NaN, empty text and nulls are None (one shared code)."""
    encoded = column.combine_chunks().dictionary_encode() if column.num_chunks else pa.array([]).dictionary_encode()
    values = [_cell(v) for v in encoded.dictionary.to_pylist()] + [None]
    codes = encoded.indices.fill_null(len(values) - 1).to_numpy().astype(np.int64)
    return Coded(codes, values)


def _cell(value: object) -> object:
    """A Python value of a GDAL field: NaN and empty text become None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value
