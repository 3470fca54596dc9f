"""Read GeoJSON, CSV, GeoPackage and Shapefile files into numbered records, without judging them."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidParameter
from gis.params import geojson_geometry
from layers.ingest.formats import check_geopackage, check_shapefile, unzip_shapefile

# Read when GDAL opens a file, so set here for every import: no /vsicurl/ fetch can match this
# extension, and no directory listing is made beside an opened file (its parts are opened by name).
pyogrio.set_gdal_config_options(
    {"CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".daoan-no-network", "GDAL_DISABLE_READDIR_ON_OPEN": "TRUE"}
)

LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
SUPPORTED = ".geojson/.json, .csv, .gpkg, .shp, .zip (a zipped shapefile) or .xlsx (Excel)"


@dataclass
class SourceRecord:
    """One feature or data row: its 1-based number, raw properties, geometry and reading problems."""

    row: int
    properties: dict[str, object]
    geometry: BaseGeometry | None = None
    feature_id: object = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, reason)
    line: int | None = None  # CSV: the line in the file (the header is line 1)


@dataclass
class SourceTable:
    """Everything read from one file."""

    name: str
    format: str
    records: list[SourceRecord]
    declared_crs: pyproj.CRS | None = None
    truncated_names: bool = False  # Shapefile field names are cut to 10 characters
    notes: list[str] = field(default_factory=list)


def read_source(
    path: Path,
    *,
    point_layer: bool,
    lon_column: str | None = None,
    lat_column: str | None = None,
    positions_optional: bool = False,
) -> SourceTable:
    """Records of the file at `path`, chosen by extension; InvalidParameter naming the file when unreadable."""
    path, name, ext = source_file(path)
    if ext in (".geojson", ".json"):
        table = _read_geojson(path)
    elif ext == ".csv":
        table = _read_csv(
            path,
            point_layer=point_layer,
            lon_column=lon_column,
            lat_column=lat_column,
            positions_optional=positions_optional,
        )
    elif ext in (".gpkg", ".shp", ".zip"):
        table = _read_ogr(path)
    elif ext == ".xlsx":
        from layers.ingest.xlsx import read_xlsx

        table = read_xlsx(
            path,
            point_layer=point_layer,
            lon_column=lon_column,
            lat_column=lat_column,
            positions_optional=positions_optional,
        )
    else:
        raise InvalidParameter(f"cannot import {name}: the file must be {SUPPORTED}", parameter="file")
    if not table.records:
        raise InvalidParameter(f"{name} contains no features or data rows", parameter="file")
    return table


# ---------------------------------------------------------------- GeoJSON
def source_file(path: Path | str) -> tuple[Path, str, str]:
    """(path, file name, lower-case extension) of an input file that exists and is not empty;
    InvalidParameter naming the file otherwise (the first check of every reader)."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InvalidParameter(f"{name}: no such file", parameter="file")
    if path.stat().st_size == 0:
        raise InvalidParameter(f"{name} is empty", parameter="file")
    return path, name, path.suffix.lower()


def _read_geojson(path: Path) -> SourceTable:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(
            f"{name} is not UTF-8 text (byte {exc.start}); GeoJSON must be UTF-8", parameter="file"
        ) from None
    if not text.strip():
        raise InvalidParameter(f"{name} is empty", parameter="file")
    try:
        doc = json.loads(text)
    except RecursionError:  # the decoder's guard: 100,000 '[' end here, not in a 500
        raise InvalidParameter(f"{name} is nested too deeply to be GeoJSON", parameter="file") from None
    except json.JSONDecodeError as exc:
        hint = "; the file ends before the JSON is complete (truncated?)" if _ends_early(text) else ""
        raise InvalidParameter(
            f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}){hint}", parameter="file"
        ) from None
    if not isinstance(doc, dict):
        raise InvalidParameter(
            f"{name} is not a GeoJSON FeatureCollection (found a JSON {type(doc).__name__})", parameter="file"
        )
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InvalidParameter(f"{name}: the FeatureCollection has no 'features' list", parameter="file")
    elif kind == "Feature":
        features = [doc]
    else:
        raise InvalidParameter(f"{name} is not a GeoJSON FeatureCollection (type {kind!r})", parameter="file")
    table = SourceTable(name, "GeoJSON", [], declared_crs=_geojson_crs(doc, name))
    for number, feature in enumerate(features, start=1):
        table.records.append(_geojson_record(number, feature))
    return table


def _ends_early(text: str) -> bool:
    """True when JSON text stops inside a string or with brackets still open (a cut-off download)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def _geojson_crs(doc: dict, name: str) -> pyproj.CRS | None:
    """The CRS named by a legacy (2008) GeoJSON `crs` member, if any."""
    member = doc.get("crs")
    if not member:
        return None
    crs_name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(crs_name, str):
        raise InvalidParameter(
            f"{name}: the 'crs' member does not name a CRS; remove it or pass --crs", parameter="crs"
        )
    try:
        return pyproj.CRS.from_user_input(crs_name)
    except CRSError:
        raise InvalidParameter(
            f"{name}: the 'crs' member names an unknown CRS {crs_name!r}; remove it or pass --crs", parameter="crs"
        ) from None


def _geojson_record(number: int, feature: object) -> SourceRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return SourceRecord(number, {}, errors=[("feature", "is not a GeoJSON Feature object")])
    props = feature.get("properties") or {}
    record = SourceRecord(number, props if isinstance(props, dict) else {}, feature_id=feature.get("id"))
    if not isinstance(props, dict):
        record.errors.append(("properties", "must be a JSON object"))
    geometry = feature.get("geometry")
    if geometry is not None:
        try:
            record.geometry = geojson_geometry(geometry, "geometry")
        except InvalidParameter as exc:  # the user's words of gis/params.py, never shapely's
            record.errors.append(("geometry", exc.detail.removeprefix("geometry: ").removeprefix("geometry ")))
    return record


# ---------------------------------------------------------------- CSV
def decode_text(path: Path) -> tuple[str, str | None]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:  # Excel in China saves CSV as GBK; GB18030 is its superset
        return data.decode("gb18030"), "read as GB18030 (not UTF-8)"
    except UnicodeDecodeError:
        raise InvalidParameter(f"{path.name} is neither UTF-8 nor GB18030 text", parameter="file") from None


def _find_column(header: list[str], wanted: str | None, defaults: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for candidate in (wanted,) if wanted else defaults:
        if candidate.lower() in lowered:
            return lowered.index(candidate.lower())
    return None


def _read_csv(
    path: Path, *, point_layer: bool, lon_column: str | None, lat_column: str | None, positions_optional: bool = False
) -> SourceTable:
    name = path.name
    text, note = decode_text(path)
    if not text.strip():
        raise InvalidParameter(f"{name} is empty", parameter="file")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = SourceTable(name, "CSV", [], notes=[note] if note else [])
    try:
        header = [h.strip() for h in next(reader)]
        lon_i, lat_i, wkt_i = geometry_columns(
            name, header, point_layer, lon_column, lat_column, positions_optional=positions_optional
        )
        geometry_idx = {i for i in (lon_i, lat_i, wkt_i) if i is not None}
        pending: list[tuple[SourceRecord, float, float]] = []
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            number = len(table.records) + 1
            record = SourceRecord(number, {}, line=reader.line_num)
            table.records.append(record)
            if len(values) != len(header):
                record.errors.append(("row", f"has {len(values)} columns where the header has {len(header)}"))
                continue
            record.properties = {
                h: v.strip()
                for i, (h, v) in enumerate(zip(header, values, strict=True))
                if i not in geometry_idx and v.strip() != ""
            }
            csv_geometry(record, header, values, lon_i, lat_i, wkt_i, pending)
        if pending:
            points = shapely.points(np.array([(x, y) for _, x, y in pending], dtype=float))
            for (record, _, _), point in zip(pending, points.tolist(), strict=True):
                record.geometry = point
    except csv.Error as exc:
        raise InvalidParameter(
            f"{name} is not well-formed CSV: {exc} (line {reader.line_num})", parameter="file"
        ) from None
    except StopIteration:
        raise InvalidParameter(f"{name} is empty", parameter="file") from None
    if not table.records:
        raise InvalidParameter(f"{name} has a header but no data rows", parameter="file")
    return table


def geometry_columns(
    name: str,
    header: list[str],
    point_layer: bool,
    lon_column: str | None,
    lat_column: str | None,
    *,
    positions_optional: bool = False,
) -> tuple[int | None, int | None, int | None]:
    """Indexes of the longitude, latitude and WKT columns; InvalidParameter when a layer needs them
    and they are missing (unless `positions_optional`: rows placed otherwise, e.g. by their camera)."""
    columns = ", ".join(header)
    for wanted, flag in ((lon_column, "lon"), (lat_column, "lat")):
        if wanted and _find_column(header, wanted, ()) is None:
            raise InvalidParameter(
                f"{name} has no column {wanted!r} (--{flag}); its columns are: {columns}", parameter=flag
            )
    lon_i = _find_column(header, lon_column, LON_NAMES)
    lat_i = _find_column(header, lat_column, LAT_NAMES)
    wkt_i = _find_column(header, None, WKT_NAMES)
    if point_layer and (lon_i is None) != (lat_i is None):
        missing, looked = ("longitude", LON_NAMES) if lon_i is None else ("latitude", LAT_NAMES)
        raise InvalidParameter(
            f"{name} has no {missing} column (looked for {', '.join(looked)}); its columns are: {columns}; "
            "name the columns with --lon and --lat",
            parameter="lon" if lon_i is None else "lat",
        )
    if point_layer and lon_i is None and wkt_i is None and not positions_optional:
        raise InvalidParameter(
            f"{name} has no longitude/latitude columns (looked for {', '.join(LON_NAMES)} and "
            f"{', '.join(LAT_NAMES)}) and no wkt column; its columns are: {columns}; "
            "name the columns with --lon and --lat",
            parameter="lon",
        )
    if not point_layer:
        if wkt_i is None:
            raise InvalidParameter(
                f"{name} needs a wkt column holding each row's geometry (this layer is not a point layer); "
                f"its columns are: {columns}",
                parameter="file",
            )
        return None, None, wkt_i
    if lon_i is not None:
        return lon_i, lat_i, None
    return None, None, wkt_i


def csv_geometry(
    record: SourceRecord,
    header: list[str],
    values: list[str],
    lon_i: int | None,
    lat_i: int | None,
    wkt_i: int | None,
    pending: list[tuple[SourceRecord, float, float]] | None = None,
) -> None:
    """The record's geometry from its WKT or lon/lat cells, or the errors naming them; with `pending`,
    a point's coordinates are put there for the caller to make all points in one call."""
    if wkt_i is not None:
        wkt = values[wkt_i].strip()
        if wkt:
            try:
                record.geometry = shapely.from_wkt(wkt)
            except shapely.errors.ShapelyError as exc:
                record.errors.append((header[wkt_i], f"cannot be read as WKT: {exc}"))
        return
    if lon_i is None or lat_i is None:
        return
    raw_lon, raw_lat = values[lon_i].strip(), values[lat_i].strip()
    if not raw_lon and not raw_lat:
        return
    coords: list[float] = []
    for i, raw in ((lon_i, raw_lon), (lat_i, raw_lat)):
        try:
            value = float(raw)
        except ValueError:
            record.errors.append((header[i], f'expected a number, got "{raw}"'))
            continue
        if not math.isfinite(value):
            record.errors.append((header[i], f'expected a finite number, got "{raw}"'))
        coords.append(value)
    if len(coords) == 2 and not record.errors:
        if pending is None:
            record.geometry = shapely.Point(coords)
        else:
            pending.append((record, coords[0], coords[1]))


# ---------------------------------------------------------------- GeoPackage, Shapefile
def _plain(value: object) -> object:
    """A Python value for a NumPy one; NaN becomes None (missing)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    return value


def _read_ogr(path: Path) -> SourceTable:
    name = path.name
    suffix = path.suffix.lower()
    label = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".zip": "zipped Shapefile"}[suffix]
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="daoan-shapefile-") as tmp:
        if suffix == ".gpkg":
            check_geopackage(path)
            opened, driver = path, "GPKG"
        elif suffix == ".shp":
            check_shapefile(path, name)
            opened, driver = path, "ESRI Shapefile"
        else:
            opened, driver = unzip_shapefile(path, Path(tmp)), "ESRI Shapefile"
        try:
            found = pyogrio.read_info(opened).get("driver")
            if found != driver:  # the header check passed, so this would be a GDAL surprise: refuse it
                raise InvalidParameter(
                    f"{name} cannot be read as a {label}: GDAL took it for {found}", parameter="file"
                )
            layers = pyogrio.list_layers(opened)
            if len(layers) > 1:
                notes.append(f"{name} holds {len(layers)} layers; read the first, {layers[0][0]!r}")
            meta, _fids, geometries, field_data = pyogrio.raw.read(opened, datetime_as_string=True)
        except InvalidParameter:
            raise
        except Exception as exc:  # GDAL reports unreadable files through several exception types
            message = str(exc).split("; It might help")[0].replace(str(opened), name).replace(tmp, "")
            raise InvalidParameter(f"{name} cannot be read as a {label}: {message}", parameter="file") from None
    if geometries is None:
        raise InvalidParameter(
            f"{name} has no geometry column; import a layer with point, line or polygon geometries", parameter="file"
        )
    declared = None
    if meta.get("crs"):
        try:
            declared = pyproj.CRS.from_user_input(meta["crs"])
        except CRSError:
            notes.append(f"{name} declares a CRS pyproj does not know; pass --crs")
    table = SourceTable(
        name, label, [], declared_crs=declared, notes=notes, truncated_names=path.suffix.lower() in (".shp", ".zip")
    )
    fields = [str(f) for f in meta["fields"]]
    for i in range(len(geometries)):
        props = {f: _plain(column[i]) for f, column in zip(fields, field_data, strict=True)}
        record = SourceRecord(i + 1, {k: v for k, v in props.items() if v is not None and v != ""})
        wkb = geometries[i]
        if wkb is not None:
            try:
                record.geometry = shapely.from_wkb(wkb)
            except shapely.errors.ShapelyError as exc:
                record.errors.append(("geometry", f"cannot be read: {exc}"))
        table.records.append(record)
    return table
