"""SDF glyph ranges for map labels, built from the Noto Sans font of the npm package @fontsource/noto-sans.

MapLibre asks for /fonts/{fontstack}/{start}-{end}.pbf, 256 code points at a time. Each range is
rendered once with FreeType, turned into a signed distance field (24 px, 3 px buffer, radius 8,
cutoff 0.25 — what MapLibre expects) and kept under var/glyphs. Chinese ideographs are drawn by the
browser itself (MapLibre's localIdeographFontFamily), so ranges the font lacks are served empty.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from gis.errors import NotFound
from gis.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

FONT_DIR = PROJECT_ROOT / "node_modules" / "@fontsource" / "noto-sans" / "files"
FONTS = {"Noto Sans Regular": 400, "Noto Sans Bold": 700}
SUBSETS = ("latin", "latin-ext", "greek", "greek-ext", "cyrillic", "cyrillic-ext", "vietnamese")
FONT_PX = 24
BUFFER = 3
RADIUS = 8.0
CUTOFF = 0.25
ASCENT = 26  # glyph tops are given relative to this height above the baseline
_build_lock = threading.Lock()


def font_files(weight: int) -> list[Path]:
    """The WOFF files of Noto Sans at `weight`, one per script subset, that are installed."""
    paths = [FONT_DIR / f"noto-sans-{subset}-{weight}-normal.woff" for subset in SUBSETS]
    return [p for p in paths if p.exists()]


def parse_range(text: str) -> int:
    """The first code point of a range 'N-(N+255)' with N a multiple of 256; NotFound otherwise."""
    start_text, _, end_text = text.partition("-")
    try:
        start, end = int(start_text), int(end_text)
    except ValueError:
        start, end = -1, -1
    if start < 0 or start % 256 or end != start + 255 or end > 0xFFFF:
        raise NotFound(
            f"glyph ranges are N-(N+255) with N a multiple of 256 up to 65280; got {text!r}", parameter="range"
        )
    return start


def choose_font(fontstack: str) -> str:
    """The first font of a comma-separated fontstack that is served; NotFound naming them otherwise."""
    for name in fontstack.split(","):
        if name.strip() in FONTS:
            return name.strip()
    raise NotFound(f"no font of {fontstack!r} is served; fonts: {', '.join(FONTS)}", parameter="fontstack")


# ---------------------------------------------------------------- protobuf (glyphs.proto)
def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _uint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _sint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint((value << 1) ^ (value >> 63))


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def encode_glyphs(fontstack: str, start: int, glyphs: list[dict[str, Any]]) -> bytes:
    """A glyphs protobuf: one fontstack with its range and glyphs (id, bitmap, metrics)."""
    stack = _bytes(1, fontstack.encode()) + _bytes(2, f"{start}-{start + 255}".encode())
    for g in glyphs:
        body = _uint(1, g["id"])
        if g["bitmap"]:
            body += _bytes(2, g["bitmap"])
        body += _uint(3, g["width"]) + _uint(4, g["height"])
        body += _sint(5, g["left"]) + _sint(6, g["top"]) + _uint(7, g["advance"])
        stack += _bytes(3, body)
    return _bytes(1, stack)


# ---------------------------------------------------------------- rendering
def sdf(alpha: np.ndarray) -> bytes:
    """The signed distance field of a coverage bitmap (0–255), padded by BUFFER pixels."""
    from scipy.ndimage import distance_transform_edt

    h, w = alpha.shape
    cover = np.zeros((h + 2 * BUFFER, w + 2 * BUFFER), dtype=np.float64)
    cover[BUFFER : BUFFER + h, BUFFER : BUFFER + w] = alpha / 255.0
    inside = cover > 0.5
    if not inside.any():
        dist = np.full(cover.shape, RADIUS)
    else:
        outside_dist = distance_transform_edt(~inside)  # to the nearest inside pixel
        inside_dist = distance_transform_edt(inside)  # to the nearest outside pixel
        dist = np.where(inside, 0.5 - inside_dist, outside_dist - 0.5)
        edge = (cover > 0) & (cover < 1)
        dist = np.where(edge & (np.abs(dist) <= 1), 0.5 - cover, dist)  # anti-aliased edge pixels
    values = np.clip(np.round(255 - 255 * (dist / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)
    return values.tobytes()


@cache
def _faces(weight: int) -> list[Any]:
    import freetype

    faces = []
    for path in font_files(weight):
        face = freetype.Face(str(path))
        face.set_pixel_sizes(0, FONT_PX)
        faces.append((face, {code for code, _ in face.get_chars()}))
    return faces


def render_range(fontstack: str, start: int) -> bytes:
    """Render the glyphs of code points start … start+255 of `fontstack` (empty when the font lacks them)."""
    import freetype

    glyphs = []
    with _build_lock:  # FreeType faces are not thread-safe
        faces = _faces(FONTS[fontstack])
        for code in range(start, start + 256):
            face = next((f for f, codes in faces if code in codes), None)
            if face is None:
                continue
            face.load_char(chr(code), freetype.FT_LOAD_RENDER)
            slot = face.glyph
            bitmap = slot.bitmap
            width, height = bitmap.width, bitmap.rows
            data = b""
            if width and height:
                pixels = np.array(bitmap.buffer, dtype=np.uint8).reshape(height, bitmap.pitch)[:, :width]
                data = sdf(pixels)
            glyphs.append({
                "id": code,
                "bitmap": data,
                "width": width,
                "height": height,
                "left": slot.bitmap_left,
                "top": slot.bitmap_top - ASCENT,
                "advance": int(round(slot.advance.x / 64)),
            })  # fmt: skip
    return encode_glyphs(fontstack, start, glyphs)


def glyph_range(fontstack: str, range_text: str, *, var_dir: Path) -> bytes:
    """The glyph PBF for a request: built once under var_dir/glyphs, then read from there."""
    start = parse_range(range_text)
    font = choose_font(fontstack)
    path = var_dir / "glyphs" / font / f"{start}-{start + 255}.pbf"
    try:
        return path.read_bytes()
    except OSError:
        pass
    if not font_files(FONTS[font]):
        log.warning("glyph fonts are not installed (run `make run` or `npm ci`); serving no glyphs")
        return encode_glyphs(font, start, [])
    data = render_range(font, start)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot keep glyphs under %s: %s", path.parent, exc)
    return data


def build_glyphs(var_dir: Path) -> int:
    """Pre-build every glyph range the fonts cover under var_dir/glyphs; the number of files written."""
    written = 0
    for font, weight in FONTS.items():
        codes = set().union(*(codes for _, codes in _faces(weight)))
        for start in sorted({c // 256 * 256 for c in codes if c <= 0xFFFF}):
            glyph_range(font, f"{start}-{start + 255}", var_dir=var_dir)
            written += 1
    return written
