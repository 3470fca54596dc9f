"""The web map calls nothing outside by default; a 天地图 key configures the online basemap."""

from __future__ import annotations

from dataclasses import replace

from gis.root import root_of
from gis.settings import load_settings


def test_by_default_the_page_calls_nothing_outside(client):
    assert client.get("/map/config.json").get_json() == {"basemap": None}
    csp = client.get("/map").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp and "tianditu" not in csp


def test_a_tianditu_key_offers_its_wmts_basemap(settings):
    from app import create_app

    app = create_app(replace(settings, tianditu_key="deployment-key"))
    try:
        client = app.test_client()
        basemap = client.get("/map/config.json").get_json()["basemap"]
        urls = [u for layer in basemap["layers"] for u in layer]
        assert urls and all(
            u.startswith("https://t") and "tianditu.gov.cn" in u and "tk=deployment-key" in u for u in urls
        )
        assert {"{z}", "{x}", "{y}"} <= {p for p in ("{z}", "{x}", "{y}") if all(p in u for u in urls)}
        assert "https://*.tianditu.gov.cn" in client.get("/map").headers["Content-Security-Policy"]
    finally:
        root_of(app).engine.dispose()


def test_the_key_is_read_from_the_environment():
    assert load_settings({"DAOAN_TIANDITU_KEY": " abc "}).tianditu_key == "abc"
    assert load_settings({}).tianditu_key is None
