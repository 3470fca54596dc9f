"""What an uploaded GeoPackage or Shapefile really is, checked by its header before GDAL opens it.

GDAL picks a driver from a file's content, not its name: a GDAL VRT named `.gpkg` would read any
local file or URL it names. So a GeoPackage must be an SQLite file whose application_id says
GeoPackage, and a zip may hold only the members of one Shapefile, which are extracted under fixed
names and opened by path with their headers checked. GeoJSON and CSV never reach GDAL (readers.py
parses them with Python's json and csv).
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path, PurePosixPath

from gis.errors import InvalidParameter

SQLITE_HEADER = b"SQLite format 3\x00"
# application_id at byte 68 of the SQLite header: 'GPKG' (GeoPackage 1.2+), 'GP10'/'GP11' (1.0/1.1).
GEOPACKAGE_IDS = (b"GPKG", b"GP10", b"GP11")
SHAPEFILE_FILE_CODE = 9994  # big-endian int at byte 0 of .shp and .shx (ESRI Shapefile Technical Description)
# dBASE version bytes a .dbf starts with (III, IV, 5, FoxPro, Visual FoxPro; with and without memo).
DBF_VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xE5, 0xF5, 0xFB})
SHAPEFILE_MEMBERS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
MAX_UNZIPPED_BYTES = 1 << 30  # a zipped Shapefile may expand to 1 GiB, no more (zip bombs)


def _describe(head: bytes) -> str:
    """What the first bytes of a file look like, for a message."""
    text = head[:40].decode("utf-8", errors="replace").strip()
    if text.startswith("<"):
        return "an XML document (a GDAL VRT?)" if "OGRVRTDataSource" in head.decode("utf-8", "replace") else "XML"
    if text[:1] in ("{", "["):
        return "JSON text"
    if head.startswith(b"PK"):
        return "a ZIP archive"
    if head.startswith(SQLITE_HEADER):
        return "an SQLite database that is no GeoPackage"
    printable = all(32 <= b < 127 or b in (9, 10, 13) for b in head[:40])
    return "text" if printable and head else "unknown binary content"


def check_geopackage(path: Path) -> None:
    """InvalidParameter unless `path` starts with the SQLite header and the GeoPackage application_id."""
    with path.open("rb") as fh:
        head = fh.read(100)
    if len(head) == 100 and head.startswith(SQLITE_HEADER) and head[68:72] in GEOPACKAGE_IDS:
        return
    raise InvalidParameter(
        f"{path.name} cannot be read as a GeoPackage: expected an SQLite file with the GeoPackage "
        f"application_id (GPKG), found {_describe(head)}",
        parameter="file",
    )


def _check_header(path: Path, shown: str) -> None:
    """InvalidParameter unless the .shp/.shx/.dbf at `path` (called `shown` in messages) has its header."""
    with path.open("rb") as fh:
        head = fh.read(100)
    suffix = path.suffix.lower()
    if suffix in (".shp", ".shx"):
        ok = len(head) == 100 and struct.unpack(">i", head[:4])[0] == SHAPEFILE_FILE_CODE
        expected = f"a Shapefile {suffix} header (file code {SHAPEFILE_FILE_CODE})"
    else:
        ok = len(head) >= 32 and head[0] in DBF_VERSIONS
        expected = "a dBASE (.dbf) header"
    if not ok:
        raise InvalidParameter(
            f"{shown} is not a Shapefile part: expected {expected}, found {_describe(head)}", parameter="file"
        )


def check_shapefile(shp: Path, name: str) -> None:
    """InvalidParameter unless the .shp and its .shx and .dbf beside it carry their headers."""
    for suffix in (".shp", ".shx", ".dbf"):
        part = next((p for p in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())) if p.is_file()), None)
        if part is None:
            raise InvalidParameter(f"{name}: the Shapefile's {suffix} file is missing beside it", parameter="file")
        _check_header(part, part.name)


def unzip_shapefile(archive: Path, into: Path) -> Path:
    """Extract the one Shapefile of a zip into `into` under fixed names; the path of its .shp.

    Only a Shapefile's members are allowed (.shp .shx .dbf .prj .cpg and the .qix/.sbn/.sbx indexes),
    in the archive's root or one folder, never outside it; anything else refuses the upload naming it.
    """
    name = archive.name
    if not zipfile.is_zipfile(archive):
        raise InvalidParameter(f"{name} is not a ZIP archive", parameter="file")
    allowed = ", ".join(SHAPEFILE_MEMBERS)
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        by_suffix: dict[str, zipfile.ZipInfo] = {}
        stems = set()
        for member in members:
            path = PurePosixPath(member.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or len(path.parts) > 2:
                raise InvalidParameter(
                    f"{name}: member {member.filename!r} lies outside the archive's root folder; "
                    "zip the Shapefile's files at the top of the archive",
                    parameter="file",
                )
            suffix = path.suffix.lower()
            if suffix not in SHAPEFILE_MEMBERS:
                raise InvalidParameter(
                    f"{name}: member {member.filename!r} is not part of a Shapefile; a zip may hold only {allowed}",
                    parameter="file",
                )
            if suffix in by_suffix:
                raise InvalidParameter(
                    f"{name} holds more than one {suffix} file; zip one Shapefile per upload", parameter="file"
                )
            by_suffix[suffix] = member
            stems.add(str(path.with_suffix("")).lower())
        missing = [s for s in (".shp", ".shx", ".dbf") if s not in by_suffix]
        if missing:
            found = ", ".join(m.filename for m in members[:10]) or "nothing"
            raise InvalidParameter(
                f"{name} holds no complete Shapefile: {', '.join(missing)} missing (found: {found})", parameter="file"
            )
        if len(stems) > 1:
            raise InvalidParameter(f"{name}: the Shapefile's files must share one name", parameter="file")
        if sum(m.file_size for m in by_suffix.values()) > MAX_UNZIPPED_BYTES:
            raise InvalidParameter(f"{name} expands to more than {MAX_UNZIPPED_BYTES >> 20} MiB", parameter="file")
        for suffix, member in by_suffix.items():
            target = into / f"upload{suffix}"
            with zf.open(member) as src, target.open("wb") as dst:
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > MAX_UNZIPPED_BYTES:
                        raise InvalidParameter(
                            f"{name} expands to more than {MAX_UNZIPPED_BYTES >> 20} MiB", parameter="file"
                        )
                    dst.write(chunk)
            if suffix in (".shp", ".shx", ".dbf"):
                _check_header(target, f"{name}: {member.filename}")
    return into / "upload.shp"
