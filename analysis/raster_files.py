"""What an imported raster file really is, checked by its bytes before GDAL opens it.

Accepted: a GeoTIFF (TIFF or BigTIFF header), an SRTM .hgt tile (named like N43E007.hgt, 1201² or
3601² big-endian 16-bit samples), or a .zip holding exactly one of those. A zip member is extracted
under its checked name into a private directory (never by a path it gives); GDAL then opens the
file with that one driver allowed (a file claiming to be a GeoTIFF cannot be read as a VRT that
names other files), without reading sidecar files from its directory.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import rasterio

from gis.errors import InvalidParameter

TIFF_HEADERS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # TIFF and BigTIFF, both byte orders
HGT_NAME = re.compile(r"^[NS]\d{2}[EW]\d{3}\.hgt$", re.IGNORECASE)
HGT_SIZES = {1201 * 1201 * 2: 1201, 3601 * 3601 * 2: 3601}  # SRTM3 (3″) and SRTM1 (1″) tiles
MAX_UNZIPPED_BYTES = 1 << 30


class _SkippedDrivers(logging.Filter):
    """rasterio's GDAL lacks some vector drivers the import code lists in GDAL_SKIP (layers/ingest):
    its warning that it cannot skip them says nothing to a user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "GDAL_SKIP" not in record.getMessage()


logging.getLogger("rasterio._env").addFilter(_SkippedDrivers())
GDAL_OPTIONS = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none"}


def _bad(name: str, what: str) -> InvalidParameter:
    return InvalidParameter(
        f"{name} cannot be read as a raster: {what}; send a GeoTIFF (.tif), an SRTM tile (.hgt) or a .zip "
        "holding one of them",
        parameter="file",
    )


def _driver(name: str, head: bytes, size: int) -> str:
    """'GTiff' or 'SRTMHGT' for a file called `name` starting with `head`, of `size` bytes."""
    if head[:4] in TIFF_HEADERS:
        return "GTiff"
    if HGT_NAME.match(name):
        if size not in HGT_SIZES:
            raise _bad(name, f"an .hgt tile holds 1201² or 3601² 16-bit samples, this one has {size:,} bytes")
        return "SRTMHGT"
    if name.lower().endswith(".hgt"):
        raise _bad(name, "an .hgt tile must be named after its south-west corner, like N43E007.hgt")
    raise _bad(name, "no TIFF header and not an .hgt tile")


@contextmanager
def opened_raster(path: Path, workdir: Path, *, shown: str | None = None) -> Iterator[rasterio.DatasetReader]:
    """The raster at `path` (called `shown` in messages), checked and opened read-only with rasterio;
    a zip is extracted into `workdir` first."""
    shown = shown or path.name
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK"):
        path, shown = _unzip(path, workdir, shown)
        with path.open("rb") as fh:
            head = fh.read(8)
    driver = _driver(path.name, head, path.stat().st_size)
    try:
        with rasterio.Env(**GDAL_OPTIONS), rasterio.open(path, driver=driver) as ds:
            if ds.count < 1 or ds.crs is None:
                raise _bad(shown, "it has no band" if ds.count < 1 else "it has no coordinate system")
            if not ds.transform.is_rectilinear or ds.transform.e >= 0:
                raise _bad(shown, "only north-up grids are supported (no rotation)")
            yield ds
    except rasterio.errors.RasterioIOError as exc:
        first = str(exc).splitlines()[0].replace(str(path), shown)  # the server's own path never shown
        raise _bad(shown, f"GDAL could not open it ({first[:200]})") from None


def _unzip(path: Path, workdir: Path, shown: str) -> tuple[Path, str]:
    """The one raster member of the zip at `path`, extracted under its own checked name."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                i for i in zf.infolist() if not i.is_dir() and not PurePosixPath(i.filename).name.startswith(".")
            ]
            rasters = [i for i in members if PurePosixPath(i.filename).suffix.lower() in (".hgt", ".tif", ".tiff")]
            if len(rasters) != 1:
                raise _bad(shown, f"the zip must hold exactly one .hgt or .tif file, it holds {len(rasters)}")
            member = rasters[0]
            if member.file_size > MAX_UNZIPPED_BYTES:
                raise _bad(shown, f"its member expands to {member.file_size:,} bytes (at most {MAX_UNZIPPED_BYTES:,})")
            name = PurePosixPath(member.filename).name
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name):
                raise _bad(shown, f"the member name {name!r} is not a plain file name")
            target = workdir / name
            with zf.open(member) as src, target.open("wb") as dst:
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > MAX_UNZIPPED_BYTES:
                        raise _bad(shown, "its member expands beyond 1 GiB")
                    dst.write(chunk)
    except zipfile.BadZipFile:
        raise _bad(shown, "it starts like a zip archive but is not a readable one") from None
    return target, f"{shown}!{name}"
