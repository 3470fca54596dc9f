"""The web map end to end in headless Chromium against a real server started by the test."""

from __future__ import annotations

import http.client
import json
import shutil

import pytest
import sqlalchemy as sa

from gis.settings import PROJECT_ROOT
from tests.conftest import ADMIN_TOKEN
from tests.serving import daoan_server

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, off the network (the machine has none), WebGL through SwiftShader.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-quic",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


def _get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, (path, resp.status, body[:300])
    return json.loads(body)


@pytest.fixture(scope="module")
def server(settings, engine):
    """The small demo served by `daoan serve` (two workers), as `make run` serves it."""
    from layers.demo import load_demo

    load_demo(engine, settings, size="small", seed=2017)
    with daoan_server(settings, workers=2, threads=4) as port:
        yield port


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class MapPage:
    """A page of the map with its console errors and tile responses recorded."""

    def __init__(self, browser, port: int, *, hash_: str = "", viewport=(1280, 800), lang: str = "zh-CN"):
        self.port = port
        # The page's CSP forbids eval; Playwright's wait_for_function needs it, in the test only.
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale=lang, bypass_csp=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.tiles: list[int] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.tiles.append(r.status) if "/tiles/" in r.url else None)
        self.page.goto(f"http://127.0.0.1:{port}/map{hash_}")
        self.page.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)

    def idle(self) -> None:
        self.page.wait_for_function("window.daoanMap.loaded() && window.daoanMap.areTilesLoaded()", timeout=60_000)

    def fit(self, a, b) -> None:
        # South-west then north-east: an inverted box would mean crossing the antimeridian.
        sw = [min(a[0], b[0]), min(a[1], b[1])]
        ne = [max(a[0], b[0]), max(a[1], b[1])]
        self.page.evaluate("([sw, ne]) => window.daoanMap.fitBounds([sw, ne], {padding: 80, animate: false})", [sw, ne])
        self.idle()

    def click_lonlat(self, lonlat) -> None:
        x, y = self.page.evaluate(
            """(ll) => { const p = window.daoanMap.project(ll);
                         const r = window.daoanMap.getContainer().getBoundingClientRect();
                         return [r.left + p.x, r.top + p.y]; }""",
            list(lonlat),
        )
        self.page.mouse.click(x, y)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"webmap-{name}.png"))

    def close(self) -> None:
        self.context.close()


def _two_far_nodes(engine) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two junctions on national roads about 20–40 km apart."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT ST_X(n.geom), ST_Y(n.geom) FROM road_nodes n JOIN road_segments s ON s.source_node = n.id "
                "WHERE s.road_class = 'national' ORDER BY n.id"
            )
        ).all()
    a = rows[0]
    for b in rows:
        d = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
        if 0.2 < d < 0.4:
            return (a[0], a[1]), (b[0], b[1])
    pytest.fail("no pair of national-road junctions 20-40 km apart in the small demo")


def test_map_loads_its_tiles_with_no_console_errors(browser, server):
    page = MapPage(browser, server, hash_="#10/27.95/113.0")
    try:
        page.idle()
        page.shot("layers")
        assert page.tiles and all(status in (200, 204, 304) for status in page.tiles), page.tiles
        assert 200 in page.tiles
        assert page.errors == []
        labels = page.page.locator("#layer-list label").all_inner_texts()
        assert any("摄像" in t or "视频" in t for t in labels), labels
    finally:
        page.close()


def test_a_route_appears_after_two_clicks(browser, server, engine):
    a, b = _two_far_nodes(engine)
    page = MapPage(browser, server)
    try:
        page.fit(a, b)
        page.page.click("#tabs button[data-tab=route]")
        page.click_lonlat(a)
        page.click_lonlat(b)
        page.page.wait_for_selector("body[data-route-shown]", state="attached", timeout=30_000)
        shown = float(page.page.get_attribute("#route-summary", "data-distance"))
        origin = page.page.input_value("#route-from")
        destination = page.page.input_value("#route-to")
        api = _get_json(server, f"/route?from={origin}&to={destination}&alternatives=1&lang=zh-CN")
        assert shown == pytest.approx(api["features"][0]["properties"]["distance_m"])
        assert page.page.locator("#route-steps li").count() >= 1
        page.shot("route")
        assert page.errors == []
    finally:
        page.close()


def test_operator_closure_changes_the_route_and_shows_the_plan(browser, server, engine):
    a, b = _two_far_nodes(engine)
    before = _get_json(server, f"/route?from={a[0]},{a[1]}&to={b[0]},{b[1]}")["features"][0]
    coords = before["geometry"]["coordinates"]
    # A closure drawn along the route near its middle: two consecutive vertices, a straight piece of road.
    i = len(coords) // 2
    left, right = tuple(coords[i - 1]), tuple(coords[i])

    page = MapPage(browser, server)
    try:
        page.fit(a, b)
        page.page.click("#tabs button[data-tab=route]")
        page.page.fill("#route-from", f"{a[0]},{a[1]}")
        page.page.fill("#route-to", f"{b[0]},{b[1]}")
        page.page.click("#route-go")
        page.page.wait_for_selector("body[data-route-shown]", state="attached")
        first_shown = page.page.get_attribute("body", "data-route-shown")

        page.page.click("#tabs button[data-tab=operator]")
        page.page.fill("#token", ADMIN_TOKEN)
        page.fit(left, right)
        page.page.click("#draw-line")
        page.click_lonlat(left)
        page.click_lonlat(right)
        page.page.click("#draw-finish")
        try:
            page.page.wait_for_selector("body[data-plan-shown]", state="attached", timeout=60_000)
        except Exception:
            page.shot("operator-failed")
            raise AssertionError(
                f"no plan shown: {page.page.inner_text('#operator-status')!r} {page.page.inner_text('#diversion')!r}"
            ) from None
        assert page.page.locator("#diversion .sign").count() >= 1
        page.page.wait_for_function(f"document.body.dataset.routeShown !== '{first_shown}'", timeout=30_000)
        page.shot("operator-plan")
        incident_id = int(page.page.get_attribute("body", "data-plan-shown"))

        after = _get_json(server, f"/route?from={a[0]},{a[1]}&to={b[0]},{b[1]}")["features"][0]["properties"]
        assert incident_id in after["avoided_incident_ids"]
        assert after["duration_s"] > before["properties"]["duration_s"]

        page.page.click(f"#incident-list button[data-end='{incident_id}']")
        page.page.wait_for_function(
            f"!document.querySelector(\"#incident-list li[data-incident='{incident_id}']\")", timeout=30_000
        )
        assert page.errors == []
    finally:
        page.close()


def test_planner_view_shows_the_report_numbers(browser, server):
    report = _get_json(server, "/coverage/report?year=2019")
    province = next(a for a in report["areas"] if a["level"] == "province")
    page = MapPage(browser, server, lang="en")
    try:
        page.page.click("#tabs button[data-tab=planner]")
        page.page.wait_for_selector("body[data-report-shown]", state="attached", timeout=60_000)
        shown = page.page.eval_on_selector_all(
            "#plan-figures tr[data-metric]",
            "rows => rows.map(r => [r.dataset.metric, r.querySelector('td.value').dataset.value])",
        )
        numeric = {k: float(v) for k, v in shown if v not in ("", None)}
        expected = {k: m["value"] for k, m in province["metrics"].items() if isinstance(m.get("value"), int | float)}
        assert numeric and numeric == pytest.approx(expected)
        assert page.page.locator("#city-chart rect").count() == sum(1 for a in report["areas"] if a["level"] == "city")
        page.shot("planner")
        assert page.errors == []
    finally:
        page.close()


def test_phone_sized_screen_shows_map_and_panel(browser, server):
    page = MapPage(browser, server, viewport=(390, 844))
    try:
        page.idle()
        map_box = page.page.locator("#map").bounding_box()
        panel_box = page.page.locator("#panel").bounding_box()
        assert map_box["height"] > 300 and panel_box["width"] <= 390
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1
        page.shot("phone")
    finally:
        page.close()


def test_a_hazard_activation_reloads_live_tiles_without_a_page_reload(browser, server, engine):
    page = MapPage(browser, server, hash_="#10/27.95/113.0")
    tiles_of = """(id) => {
        const s = window.daoanMap.getSource(id);
        return s && Array.isArray(s.tiles) ? s.tiles[0] : null; }"""
    tiles_of_first_vector_source = f"() => ({tiles_of})('daoan-live')"
    base_tiles = f"() => ({tiles_of})('daoan')"
    try:
        page.idle()
        page.page.wait_for_function(f"({tiles_of_first_vector_source})()?.includes('v=')", timeout=20_000)
        before = page.page.evaluate(tiles_of_first_vector_source)
        base_before = page.page.evaluate(base_tiles)
        assert base_before and "v=" not in base_before
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE hazard_zones SET active = NOT active WHERE id = (SELECT min(id) FROM hazard_zones)")
            )
        with page.page.expect_request(lambda r: "/tiles/" in r.url and "v=" in r.url, timeout=30_000):
            page.page.wait_for_function(f"({tiles_of_first_vector_source})() !== {json.dumps(before)}", timeout=30_000)
        assert page.page.evaluate(base_tiles) == base_before  # the base map's tiles are not reloaded
        assert page.errors == []
    finally:
        page.close()


def test_a_token_shows_the_internal_layers(browser, server, engine):
    with engine.connect() as conn:
        lon, lat = conn.execute(sa.text("SELECT ST_X(geom), ST_Y(geom) FROM enforcement_stations ORDER BY id")).first()
    page = MapPage(browser, server, hash_=f"#12/{lat}/{lon}")
    count = "() => window.daoanMap.querySourceFeatures('daoan', {sourceLayer: 'enforcement_stations'}).length"
    try:
        page.idle()
        assert page.page.evaluate(count) == 0  # anonymous: the public composite leaves the layer out
        # Marked in the legend (once /collections has said which layers are internal).
        page.page.wait_for_function("document.querySelectorAll('#layer-list .locked').length >= 2", timeout=30_000)
        page.page.click("#tabs button[data-tab=operator]")
        page.page.fill("#token", ADMIN_TOKEN)
        page.page.dispatch_event("#token", "change")
        page.page.wait_for_function(f"({count})() > 0", timeout=30_000)
        assert page.page.locator("#layer-list .locked").count() == 0
        page.shot("internal-layers")
        assert page.errors == []
    finally:
        page.close()
