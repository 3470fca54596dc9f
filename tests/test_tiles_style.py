"""The MapLibre style validates with gl-style-validate; its glyphs are served from the app."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from gis.settings import PROJECT_ROOT
from tiles.glyphs import font_files

VALIDATE = PROJECT_ROOT / "node_modules" / ".bin" / "gl-style-validate"


def test_style_passes_gl_style_validate(client, tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    assert VALIDATE.exists(), "run `make test` (it runs npm ci) or `npm ci` first"
    style = client.get("/styles/daoan.json").get_json()
    path = tmp_path / "daoan.json"
    path.write_text(json.dumps(style, ensure_ascii=False))
    result = subprocess.run([str(VALIDATE), str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_style_uses_the_app_tiles_glyphs_and_every_layer(client):
    from layers.catalog import LAYERS

    style = client.get("/styles/daoan.json").get_json()
    assert set(style["sources"]) == {"daoan", "daoan-live"}
    for source in style["sources"].values():
        assert source["url"].startswith("http://localhost/tiles/") and source["url"].endswith(".json")
    assert style["glyphs"] == "http://localhost/fonts/{fontstack}/{range}.pbf"
    used = {layer.get("source-layer") for layer in style["layers"]} - {None}
    assert used == set(LAYERS)
    # Live layers come from their own source: a closure reloads those tiles only.
    live = {layer.id for layer in LAYERS.values() if layer.live}
    assert live == {"incidents", "hazard_zones", "warnings"}  # warnings: issue 15, a live layer like incidents
    for layer in style["layers"]:
        if "source-layer" in layer:
            assert layer["source"] == ("daoan-live" if layer["source-layer"] in live else "daoan"), layer["id"]
    tilejsons = {
        name: client.get(source["url"].replace("http://localhost", "")).get_json()
        for name, source in style["sources"].items()
    }
    served = [v["id"] for name in ("daoan", "daoan-live") for v in tilejsons[name]["vector_layers"]]
    assert sorted(served) == sorted(LAYERS) and set(served[-len(live) :]) == live
    ids = [layer["id"] for layer in style["layers"]]
    assert ids.index("admin-fill") < ids.index("hazard-fill") < ids.index("roads-expressway")
    assert ids.index("cameras-symbol") < ids.index("incident-lines")  # incidents on top of facilities
    colours = {layer["paint"]["circle-color"] for layer in style["layers"] if layer["id"].endswith("-symbol")}
    assert len(colours) == len([i for i in ids if i.endswith("-symbol")])  # distinct symbols


def test_style_is_drawn_from_the_catalogue_and_names_the_live_layers(client):
    from layers.catalog import LAYERS

    style = client.get("/styles/daoan.json").get_json()
    live = [layer.id for layer in LAYERS.values() if layer.live]
    assert style["metadata"]["daoan:live"] == {"source": "daoan-live", "layers": live}
    assert style["sources"]["daoan-live"]["url"].endswith(f"/tiles/{','.join(live)}.json")
    by_layer: dict[str, int] = {}
    for style_layer in style["layers"][1:]:
        layer = LAYERS[style_layer["source-layer"]]
        by_layer[layer.id] = by_layer.get(layer.id, 0) + 1
        assert style_layer.get("minzoom", 0) >= layer.minzoom, style_layer["id"]  # no empty zooms drawn
    assert by_layer == {layer.id: len(layer.style) for layer in LAYERS.values()}


def test_glyph_range_is_a_valid_sdf_pbf(client):
    if not font_files(400):
        pytest.fail("the Noto Sans npm package is missing: run `npm ci`")
    resp = client.get("/fonts/Noto Sans Regular/0-255.pbf")
    assert resp.status_code == 200 and resp.mimetype == "application/x-protobuf"
    glyphs = _decode(resp.data)
    assert glyphs["name"] == "Noto Sans Regular" and glyphs["range"] == "0-255"
    a = glyphs["glyphs"][ord("A")]
    assert 10 <= a["width"] <= 20 and a["advance"] > 10
    assert len(a["bitmap"]) == (a["width"] + 6) * (a["height"] + 6)
    assert max(a["bitmap"]) > 191 > min(a["bitmap"])  # inside and outside of the edge
    assert glyphs["glyphs"][ord(" ")]["advance"] > 0


def test_fontstack_falls_back_and_missing_ranges_are_empty(client):
    resp = client.get("/fonts/Unknown Font,Noto Sans Bold/19968-20223.pbf")  # CJK: drawn by the browser
    assert resp.status_code == 200
    glyphs = _decode(resp.data)
    assert glyphs["name"] == "Noto Sans Bold" and glyphs["glyphs"] == {}


@pytest.mark.parametrize("path", ["/fonts/Comic Sans/0-255.pbf", "/fonts/Noto Sans Regular/1-256.pbf",
                                  "/fonts/Noto Sans Regular/0-99.pbf"])  # fmt: skip
def test_bad_font_requests_are_404(client, path):
    resp = client.get(path)
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def _decode(data: bytes) -> dict:
    """A minimal reader of glyphs.proto, independent of the encoder."""

    def varint(buf: bytes, i: int) -> tuple[int, int]:
        shift = value = 0
        while True:
            byte = buf[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i

    def fields(buf: bytes):
        i = 0
        while i < len(buf):
            key, i = varint(buf, i)
            if key & 7 == 0:
                value, i = varint(buf, i)
                yield key >> 3, value
            else:
                length, i = varint(buf, i)
                yield key >> 3, buf[i : i + length]
                i += length

    (_, stack), *_ = list(fields(data))
    out: dict = {"glyphs": {}}
    for field, value in fields(stack):
        if field == 1:
            out["name"] = value.decode()
        elif field == 2:
            out["range"] = value.decode()
        elif field == 3:
            glyph = {"bitmap": b""}
            names = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top", 7: "advance"}
            for f, v in fields(value):
                glyph[names[f]] = (v >> 1) ^ -(v & 1) if f in (5, 6) else v
            out["glyphs"][glyph["id"]] = glyph
    return out
