"""The web map end to end in headless Chromium against a real server started by the test."""

from __future__ import annotations

import http.client
import json
import re
import shutil
from datetime import datetime, timedelta

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


# Latin words allowed in the Chinese page: route codes and stakes (G4, S21, X056, K1500+000), the
# language switch, the product's name and the token names an officer publishes under.
ALLOWED_LATIN = re.compile(r"[GSXYZCK]\d[\dA-Z+]*|EN|CSV|PDF|Daoan|admin|operator-\d+")


def english_words(text: str) -> list[str]:
    """Latin-letter words in `text` that are not proper names or codes."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9+]*", text) if not ALLOWED_LATIN.fullmatch(w)]


def _send(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, json.loads(data) if data else {}


def _get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, (path, resp.status, body[:300])
    return json.loads(body)


@pytest.fixture(scope="module")
def server(settings, engine):
    """The small demo served by `daoan serve`, as `make run` serves it (one worker: every request of the
    module meets the same process, and the start costs one warm-up, not one per worker)."""
    from layers.demo import load_demo

    load_demo(engine, settings, size="small", seed=2017)
    # Up to 90 s to start: the machine running the suite may be busy (the routing data is built first).
    with daoan_server(settings, workers=1, threads=4, start_s=90) as port:
        yield port


@pytest.fixture(scope="module")
def context(server):
    """One browser context for the module: its pages share the HTTP cache (MapLibre, style, glyphs, tiles)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The page's CSP forbids eval; Playwright's wait_for_function needs it, in the test only.
        ctx = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", bypass_csp=True)
        yield ctx
        ctx.close()
        chromium.close()


# Test markers the page sets on <body> (cleared between the tests sharing a page).
_MARKERS = ("routeShown", "routeError", "planShown", "previewShown", "reportShown", "suggestionsShown")


def _api_call(url: str) -> bool:
    """A request of the page's own code to the API (not a tile, glyph or style asset of the map)."""
    return not any(part in url for part in ("/tiles/", "/fonts/", "/static/", "/map/", "/basemap"))


class MapPage:
    """A page of the map with its console errors and tile responses recorded."""

    def __init__(self, context, port: int, *, hash_: str = "", viewport=(1280, 800), path: str = "/map"):
        self.port = port
        self.page = context.new_page()
        self.page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        self.errors: list[str] = []
        self.tiles: list[int] = []
        self.requests: list[str] = []  # every URL the page asked for
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.tiles.append(r.status) if "/tiles/" in r.url else None)
        # API requests in flight (not tiles or fonts), so that reset() lets them land first
        self.in_flight: set[str] = set()
        self.page.on("request", lambda r: self.in_flight.add(r.url) if _api_call(r.url) else None)
        self.page.on("requestfinished", lambda r: self.in_flight.discard(r.url))
        self.page.on("requestfailed", lambda r: self.in_flight.discard(r.url))
        self.page.goto(f"http://127.0.0.1:{port}{path}{hash_}")
        self.page.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)

    def reset(self) -> None:
        """Back to a blank page without reloading it: no route, plan, drawing, popup or report; the incident
        form at its defaults; the errors and markers of the previous test forgotten."""
        self.page.evaluate(
            """(markers) => {
                document.getElementById('route-clear').click();
                document.getElementById('route-avoid').checked = false;
                if (state.draw) stopDraw();
                clearPlan();
                state.report = null;
                document.getElementById('closure-kind').value = 'accident';
                document.getElementById('inc-effect').value = 'closed';
                document.querySelector('input[name=place][value=stakes]').checked = true;
                syncForm();
                document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove());
                for (const k of markers) delete document.body.dataset[k];
            }""",
            list(_MARKERS),
        )
        # A request of the previous test still in flight (a deliberate 422) logs its console error when it
        # lands: let it land before the errors are forgotten, or it is blamed on the next test.
        for _ in range(100):
            if not self.in_flight:
                break
            self.page.wait_for_timeout(100)
        self.errors.clear()
        self.tiles.clear()

    def idle(self) -> None:
        self.page.wait_for_function("window.daoanMap.loaded() && window.daoanMap.areTilesLoaded()", timeout=60_000)

    def fit(self, a, b, *, idle: bool = False) -> None:
        # South-west then north-east: an inverted box would mean crossing the antimeridian.
        sw = [min(a[0], b[0]), min(a[1], b[1])]
        ne = [max(a[0], b[0]), max(a[1], b[1])]
        self.page.evaluate("([sw, ne]) => window.daoanMap.fitBounds([sw, ne], {padding: 80, animate: false})", [sw, ne])
        if idle:
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
        self.page.close()


@pytest.fixture(scope="module")
def overview_page(context, server):
    """The anonymous map at zoom 10 (layers, phone layout, live tiles, then the token last: it stays)."""
    page = MapPage(context, server, hash_="#10/27.95/113.0")
    yield page
    page.close()


@pytest.fixture()
def overview(overview_page):
    overview_page.errors.clear()
    return overview_page


@pytest.fixture(scope="module")
def desk_page(context, server):
    """The page an officer, a traveller and a planner use in turn (1400x900), reset between tests."""
    page = MapPage(context, server, viewport=(1400, 900))
    yield page
    page.close()


@pytest.fixture()
def desk(desk_page):
    desk_page.reset()
    return desk_page


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


def test_map_loads_its_tiles_with_no_console_errors(overview, server):
    page = overview
    page.idle()
    page.shot("layers")
    assert page.tiles and all(status in (200, 204, 304) for status in page.tiles), page.tiles
    assert 200 in page.tiles
    assert page.errors == []
    labels = page.page.locator("#layer-list label").all_inner_texts()
    assert any("摄像" in t or "视频" in t for t in labels), labels
    # The offline basemap from what Daoan holds: the demo DEM's hillshade and the muted outside of Hunan.
    page.page.wait_for_selector("body[data-offline-basemap=hillshade]", state="attached", timeout=30_000)
    assert page.page.evaluate(
        "() => ['basemap-hillshade', 'basemap-outside'].every((id) => window.daoanMap.getLayer(id))"
    )
    page.page.wait_for_function("window.daoanMap.querySourceFeatures('outside').length > 0", timeout=30_000)
    assert "地形晕渲" in page.page.inner_text("#basemap-note") and "水系" in page.page.inner_text("#basemap-note")
    # Nothing asked of any other host.
    origin = f"http://127.0.0.1:{server}/"
    assert [u for u in page.requests if not u.startswith((origin, "data:", "blob:"))] == []


def _rendered(page: MapPage, layer: str) -> list[str]:
    """The labels of `layer` drawn on the map now (symbols hidden by collision are not)."""
    return page.page.evaluate(
        "(id) => window.daoanMap.queryRenderedFeatures({layers: [id]}).map((f) => f.properties.label)", layer
    )


def test_places_and_neighbouring_provinces_are_named_as_people_name_them(context, server):
    page = MapPage(context, server, viewport=(1400, 900))
    try:
        neighbours = {"湖北", "江西", "广东", "广西", "贵州", "重庆"}
        # Fitted to Hunan: every neighbour named (inside it, near Hunan), the cities by their bare names.
        page.page.wait_for_function(
            """(names) => window.daoanMap.getLayer('basemap-neighbour-labels') && names.every((n) =>
                window.daoanMap.queryRenderedFeatures({layers: ['basemap-neighbour-labels']})
                  .some((f) => f.properties.label === n))""",
            arg=sorted(neighbours),
            timeout=30_000,
        )
        page.idle()
        assert set(_rendered(page, "basemap-neighbour-labels")) == neighbours
        page.page.wait_for_function(
            "['长沙', '株洲', '湘潭'].every((n) => window.daoanMap.queryRenderedFeatures({layers: ['admin-labels']})"
            ".some((f) => f.properties.label === n))",
            timeout=30_000,
        )
        places = _rendered(page, "admin-labels")
        assert not [p for p in places if p.endswith(("市", "人民政府")) or p == "湖南"], places
        page.shot("basemap-names")
        # Closer in, counties too, by their common names (浏阳, not 浏阳市).
        page.page.evaluate("() => window.daoanMap.jumpTo({center: [113.3, 28.2], zoom: 9})")
        page.page.wait_for_function(
            "window.daoanMap.queryRenderedFeatures({layers: ['admin-labels']}).some((f) => f.properties.label === '浏阳')",
            timeout=30_000,
        )
        assert page.errors == []
    finally:
        page.close()


def test_a_click_answers_with_the_topmost_feature(desk, server, engine):
    """A camera's dot drawn over the hazard zone and the road it stands on answers for itself; the zone,
    clicked where no dot is, answers for the zone (not the road under the click)."""
    with engine.connect() as conn:
        camera, zone = conn.execute(
            sa.text(
                "SELECT ARRAY[ST_X(c.geom), ST_Y(c.geom)], "
                "ARRAY[ST_X(ST_PointOnSurface(z.geom)), ST_Y(ST_PointOnSurface(z.geom))] "
                "FROM cameras c JOIN hazard_zones z ON z.active AND ST_Contains(z.geom, c.geom) "
                "WHERE NOT EXISTS (SELECT 1 FROM cameras o WHERE o.id <> c.id "
                "AND ST_DWithin(o.geom::geography, c.geom::geography, 150)) "
                # not on a warned stretch either (a warning's line is drawn over the camera's dot)
                "AND NOT EXISTS (SELECT 1 FROM warnings w WHERE w.expires_at > now() - interval '1 hour' "
                "AND ST_DWithin(w.geom::geography, c.geom::geography, 300)) ORDER BY c.id LIMIT 1"
            )
        ).one()
    page = desk
    for where, title in ((camera, "视频监控"), (zone, "隐患路段")):
        page.page.evaluate("() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove())")
        page.page.evaluate("(c) => window.daoanMap.jumpTo({center: c, zoom: 15})", where)
        page.idle()
        under = page.page.evaluate(
            """(c) => window.daoanMap.queryRenderedFeatures(window.daoanMap.project(c))
                .filter((f) => f.sourceLayer).map((f) => f.sourceLayer)""",
            where,
        )
        if title == "隐患路段" and set(under) - {"hazard_zones", "road_segments", "admin_areas", "segment_terrain"}:
            continue  # the zone's inner point happens to lie under a dot: nothing to learn there
        assert "hazard_zones" in under, under
        page.click_lonlat(where)
        page.page.wait_for_selector(".maplibregl-popup-content", timeout=10_000)
        assert page.page.inner_text(".maplibregl-popup-content").startswith(title), (title, under)
    assert page.errors == []


def test_a_route_appears_after_two_clicks(desk, server, engine):
    a, b = _two_far_nodes(engine)
    page = desk
    page.fit(a, b)
    page.page.click("#tabs button[data-tab=route]")
    page.click_lonlat(a)
    page.click_lonlat(b)
    page.page.wait_for_selector("body[data-route-shown]", state="attached", timeout=30_000)
    shown = float(page.page.get_attribute("#route-summary", "data-distance"))
    # The picks as the page holds them (the fields show them rounded to 5 decimals).
    origin, destination = (
        ",".join(map(str, c))
        for c in page.page.evaluate("() => window.daoanShown.picks.features.map((f) => f.geometry.coordinates)")
    )
    api = _get_json(server, f"/route?from={origin}&to={destination}&alternatives=1&lang=zh-CN")
    assert shown == pytest.approx(api["features"][0]["properties"]["distance_m"])
    assert page.page.locator("#route-steps li").count() >= 1
    page.shot("route")
    assert page.errors == []


def test_operator_closure_changes_the_route_and_shows_the_plan(desk, server, engine):
    a, b = _two_far_nodes(engine)
    before = _get_json(server, f"/route?from={a[0]},{a[1]}&to={b[0]},{b[1]}")["features"][0]
    coords = before["geometry"]["coordinates"]
    # A closure drawn along the route near its middle: two consecutive vertices, a straight piece of road.
    i = len(coords) // 2
    left, right = tuple(coords[i - 1]), tuple(coords[i])

    page = desk
    page.fit(a, b)
    page.page.click("#tabs button[data-tab=route]")
    page.page.fill("#route-from", f"{a[0]},{a[1]}")
    page.page.fill("#route-to", f"{b[0]},{b[1]}")
    page.page.click("#route-go")
    page.page.wait_for_selector("body[data-route-shown]", state="attached")
    first_shown = page.page.get_attribute("body", "data-route-shown")

    page.page.click("#tabs button[data-tab=operator]")
    page.page.fill("#token", ADMIN_TOKEN)
    page.page.check("input[name=place][value=draw]")
    page.fit(left, right)
    page.page.click("#draw-line")
    page.click_lonlat(left)
    page.click_lonlat(right)
    page.page.click("#inc-publish")
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
    page.page.click(f"#incident-list button[data-confirm-end='{incident_id}']")
    page.page.wait_for_function(
        f"!document.querySelector(\"#incident-list li[data-incident='{incident_id}']\")", timeout=30_000
    )
    assert page.errors == []


def test_planner_view_shows_the_report_numbers(desk, server):
    report = _get_json(server, "/coverage/report?year=2019")
    province = next(a for a in report["areas"] if a["level"] == "province")
    page = desk
    page.page.click("#lang")  # in English
    try:
        _planner_numbers(page, report, province)
    finally:
        page.page.click("#lang")


def _planner_numbers(page: MapPage, report: dict, province: dict) -> None:
    page.page.wait_for_function("document.documentElement.lang === 'en' || state.lang === 'en'")
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


def test_phone_sized_screen_shows_map_and_panel(overview, server):
    page = overview
    page.page.set_viewport_size({"width": 390, "height": 844})
    try:
        _phone_layout(page)
    finally:
        if "collapsed" in (page.page.get_attribute("#panel", "class") or ""):
            page.page.click("#collapse")
        page.page.set_viewport_size({"width": 1280, "height": 800})


def _phone_layout(page: MapPage) -> None:
    page.page.wait_for_function("window.daoanMap.getContainer().clientWidth <= 390")
    page.idle()
    map_box = page.page.locator("#map").bounding_box()
    panel_box = page.page.locator("#panel").bounding_box()
    assert map_box["height"] > 300 and panel_box["width"] <= 390
    assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1
    page.shot("phone")
    # Collapsing the panel gives the map the screen: no blank band left.
    page.page.click("#collapse")
    page.page.wait_for_function("document.getElementById('map').getBoundingClientRect().height >= 844 - 60")
    assert page.page.locator("#map").bounding_box()["height"] >= 844 - 60
    assert page.page.locator("#panel").bounding_box()["y"] >= 844 - 60
    page.shot("phone-collapsed")


def test_a_hazard_activation_reloads_live_tiles_without_a_page_reload(overview, server, engine):
    page = overview
    tiles_of = """(id) => {
        const s = window.daoanMap.getSource(id);
        return s && Array.isArray(s.tiles) ? s.tiles[0] : null; }"""
    tiles_of_first_vector_source = f"() => ({tiles_of})('daoan-live')"
    base_tiles = f"() => ({tiles_of})('daoan')"
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


def test_a_token_shows_the_internal_layers(overview, server, engine):
    with engine.connect() as conn:
        lon, lat = conn.execute(sa.text("SELECT ST_X(geom), ST_Y(geom) FROM enforcement_stations ORDER BY id")).first()
    page = overview
    count = "() => window.daoanMap.querySourceFeatures('daoan', {sourceLayer: 'enforcement_stations'}).length"
    page.page.evaluate("(c) => window.daoanMap.jumpTo({center: c, zoom: 12})", [lon, lat])
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


def _dual_carriageway_section(engine) -> tuple[str, str, str]:
    """A 5 km stake range in the middle of the expressway with the longest stake span (two one-way lines)."""
    from gis.stake import format_stake

    with engine.connect() as conn:
        code, lo, hi = conn.execute(
            sa.text(
                "SELECT route_code, min(least(start_stake_m, end_stake_m)), max(greatest(start_stake_m, end_stake_m)) "
                "FROM road_segments WHERE road_class = 'expressway' AND oneway AND route_code IS NOT NULL "
                "GROUP BY route_code ORDER BY max(greatest(start_stake_m, end_stake_m)) "
                "- min(least(start_stake_m, end_stake_m)) DESC LIMIT 1"
            )
        ).one()
    mid = round((lo + hi) / 2 / 1000) * 1000
    return code, format_stake(mid - 2500), format_stake(mid + 2500)


def _assert_chinese(page: MapPage, selector: str = "#panel") -> None:
    text = page.page.inner_text(selector)
    assert english_words(text) == [], (selector, english_words(text))


def test_operator_closes_a_stake_range_both_ways_with_preview_plan_and_confirmed_end(desk, server, engine):
    code, from_stake, to_stake = _dual_carriageway_section(engine)
    page = desk
    page.page.click("#tabs button[data-tab=operator]")
    page.page.fill("#token", ADMIN_TOKEN)
    page.page.select_option("#closure-kind", "accident")
    page.page.fill("#inc-route", code)
    page.page.fill("#inc-from", from_stake)
    page.page.fill("#inc-to", to_stake)
    page.page.select_option("#inc-direction", "both")
    page.page.fill("#inc-description", "多车追尾，占用全部车道")
    page.page.click("#inc-preview")
    page.page.wait_for_selector("body[data-preview-shown]", state="attached", timeout=60_000)
    assert page.page.locator("#diversion h3.preview").count() == 1  # a preview, nothing stored yet
    assert _get_json(server, "/incidents")["features"] == []
    assert page.page.inner_text("#incident-list") == "当前无生效事件"  # said, not a blank under the heading
    page.shot("operator-preview")

    # The same section drawn over one carriageway of the dual carriageway closes what the form says: both.
    line = page.page.evaluate(
        "() => window.daoanShown.plan.features.find(f => f.properties.role === 'closure').geometry.coordinates"
    )
    a, b = line[len(line) // 4], line[3 * len(line) // 4]
    page.page.check("input[name=place][value=draw]")
    page.fit(a, b)
    page.page.click("#draw-line")
    page.click_lonlat(a)
    page.click_lonlat(b)
    before = page.page.get_attribute("body", "data-preview-shown")
    page.page.click("#inc-preview")
    page.page.wait_for_function(f"document.body.dataset.previewShown !== '{before}'", timeout=60_000)
    assert page.page.locator("#diversion .plan-direction").count() == 2
    page.page.click("#draw-cancel")
    page.page.check("input[name=place][value=stakes]")

    page.page.click("#inc-publish")
    page.page.wait_for_selector("body[data-plan-shown]", state="attached", timeout=60_000)
    incident_id = page.page.get_attribute("body", "data-plan-shown")
    stored = _get_json(server, f"/incidents/{incident_id}")["properties"]
    assert stored["direction"] == "both" and stored["route_code"] == code
    plan = _get_json(server, f"/diversion?incident={incident_id}")
    # Both carriageways, as the record says: one section of the panel per direction, named.
    assert len(plan["directions"]) == 2
    assert page.page.locator("#diversion .plan-direction").count() == 2
    headings = page.page.locator("#diversion .plan-direction h4").all_inner_texts()
    assert all("方向" in h for h in headings), headings
    # Decision points numbered alike in the panel and on the map, exits named, one recommended per direction.
    points = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "decision_point"]
    items = page.page.locator("#diversion li[data-key]")
    assert items.count() == len(points) == page.page.locator(".plan-marker.decision").count()
    first = items.first.inner_text()
    assert points[0]["name"] in first or (points[0]["toll_station"] or "") in first
    assert page.page.locator("#diversion li.recommended").count() == 2
    assert "推荐" in page.page.inner_text("#diversion li.recommended >> nth=0")
    # Where markers crowd, every decision point stays on top (clickable), the recommended ones first.
    covered = page.page.evaluate(
        """() => [...document.querySelectorAll('.plan-marker.decision')].filter((m) => {
            const r = m.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
            const inView = x > 0 && y > 0 && x < innerWidth && y < innerHeight;
            const top = document.elementFromPoint(x, y);
            return inView && top !== m && !(top && top.matches('.plan-marker.decision.recommended'));
          }).map((m) => m.textContent)"""
    )
    assert covered == [], covered
    # The closed stretch itself is marked once (both directions close the same stakes).
    assert page.page.locator(".plan-marker.closure").count() == 1
    # Every bound sign's message on the panel, and a sign marker (not a toll-station dot) per sign.
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    assert (
        page.page.locator("#diversion .sign-item").count()
        == len(signs)
        == page.page.locator(".plan-marker.sign").count()
    )
    assert signs and signs[0]["message_lines"][0] in page.page.inner_text("#diversion")
    # Detours in distinct colours; the map shows the plan.
    colours = page.page.evaluate(
        "() => window.daoanShown.plan.features.filter(f => f.properties.role === 'detour')"
        ".map(f => f.properties.colour)"
    )
    assert len(colours) == len(set(colours)) >= 2
    inside = page.page.evaluate(
        "(c) => window.daoanMap.getBounds().contains(c)", plan["features"][0]["geometry"]["coordinates"][0]
    )
    assert inside
    # Who published what, in the list, in Chinese.
    row = page.page.inner_text(f"#incident-list li[data-incident='{incident_id}']")
    assert "交通事故" in row and code in row and "admin" in row and "发布" in row
    _assert_chinese(page)
    page.shot("operator-plan-stakes")

    # Ending asks first: cancelled, the incident stays; confirmed, it ends.
    page.page.click(f"#incident-list button[data-end='{incident_id}']")
    page.page.click(f"#incident-list button[data-cancel-end='{incident_id}']")
    assert page.page.locator(f"#incident-list li[data-incident='{incident_id}']").count() == 1
    page.page.click(f"#incident-list button[data-end='{incident_id}']")
    page.shot("operator-confirm-end")
    page.page.click(f"#incident-list button[data-confirm-end='{incident_id}']")
    page.page.wait_for_function(
        f"!document.querySelector(\"#incident-list li[data-incident='{incident_id}']\")", timeout=30_000
    )
    assert _get_json(server, f"/incidents/{incident_id}")["properties"]["status"] == "ended"
    assert page.errors == []


def test_operator_restriction_and_entrance_closure_forms(desk, server, engine):
    code, from_stake, to_stake = _dual_carriageway_section(engine)
    with engine.connect() as conn:
        station_id, station_name = conn.execute(sa.text("SELECT id, name FROM toll_stations ORDER BY id")).first()
    page = desk
    try:
        page.page.click("#tabs button[data-tab=operator]")
        page.page.fill("#token", ADMIN_TOKEN)
        page.page.select_option("#inc-effect", "restricted")
        assert page.page.is_visible("#inc-speed")
        page.page.fill("#inc-speed", "40")
        page.page.fill("#inc-route", code)
        page.page.fill("#inc-from", from_stake)
        page.page.fill("#inc-to", to_stake)
        page.page.select_option("#inc-direction", "forward")
        # In force now until ten hours on (the browser and the test share the machine's clock and zone).
        page.page.fill("#inc-ends", (datetime.now() + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M"))
        page.page.click("#inc-publish")
        page.page.wait_for_selector("body[data-plan-shown]", state="attached", timeout=60_000)
        first = page.page.get_attribute("body", "data-plan-shown")
        p = _get_json(server, f"/incidents/{first}")["properties"]
        assert (p["effect"], p["speed_cap_kmh"], p["direction"]) == ("restricted", 40, "forward")
        assert p["ends_at"] and p["status"] == "in_force"
        page.page.wait_for_selector(f"#incident-list li[data-incident='{first}']")
        assert "限速40" in page.page.inner_text(f"#incident-list li[data-incident='{first}']")

        page.page.select_option("#closure-kind", "entrance_closure")
        assert page.page.is_visible("#inc-station") and not page.page.is_visible("#inc-route")
        page.page.select_option("#inc-station", str(station_id))
        page.page.click("#inc-publish")
        page.page.wait_for_function(f"document.body.dataset.planShown !== '{first}'", timeout=60_000)
        second = page.page.get_attribute("body", "data-plan-shown")
        assert _get_json(server, f"/incidents/{second}")["properties"]["toll_station_id"] == station_id
        page.page.wait_for_selector(f"#incident-list li[data-incident='{second}']")
        row = page.page.inner_text(f"#incident-list li[data-incident='{second}']")
        # Named by its toll station, without a direction of travel (an entrance has none).
        assert "收费站入口封闭" in row and station_name in row and "双向" not in row, row
        _assert_chinese(page)
        page.shot("operator-restriction")
        assert page.errors == []
    finally:
        for ident in (locals().get("first"), locals().get("second")):
            if ident:
                _send(server, "DELETE", f"/incidents/{ident}")


def _choose(page: MapPage, which: str, text: str, expect: str) -> None:
    page.page.fill(f"#route-{which}", text)
    page.page.wait_for_selector(f"#suggest-{which} li[data-i]", timeout=20_000)
    options = page.page.locator(f"#suggest-{which} li[data-i]").all_inner_texts()
    assert any(o.startswith(expect) for o in options), options
    page.page.locator(f"#suggest-{which} li[data-i]", has_text=expect).first.click()


def test_traveller_searches_places_and_picks_an_alternative(desk, server):
    page = desk
    page.page.click("#tabs button[data-tab=route]")
    _choose(page, "from", "长沙", "长沙市")  # the common name finds the city
    page.shot("traveller-suggest")
    _choose(page, "to", "株洲", "株洲市")
    page.page.wait_for_selector("body[data-route-shown]", state="attached", timeout=60_000)
    options = page.page.locator("#route-options button")
    assert options.count() >= 1
    assert "方案一" in options.first.inner_text()
    # The route's hazard warnings are in its steps, and marked on the line.
    origin = page.page.evaluate("() => window.daoanShown.picks.features[0].geometry.coordinates")
    target = page.page.evaluate("() => window.daoanShown.picks.features[1].geometry.coordinates")
    api = _get_json(server, f"/route?from={origin[0]},{origin[1]}&to={target[0]},{target[1]}&alternatives=1&lang=zh-CN")
    warned = sum(len(s.get("warnings") or []) for s in api["features"][0]["properties"]["steps"])
    assert page.page.locator("#route-steps .warning").count() == warned
    assert page.page.evaluate("() => window.daoanShown['route-warnings'].features.length") == warned
    # Zoomed to the route.
    assert page.page.evaluate(
        "([a, b]) => window.daoanMap.getBounds().contains(a) && window.daoanMap.getBounds().contains(b)",
        [origin, target],
    )
    # The police's facility dots step back on the traveller's tab; the route and its warnings stand out.
    assert page.page.get_attribute("body", "data-facilities-dimmed") == "true"
    assert page.page.evaluate("() => window.daoanMap.getPaintProperty('cameras-symbol', 'circle-opacity')") == 0.3
    if options.count() > 1:
        options.nth(1).click()
        assert "active" in (options.nth(1).get_attribute("class") or "")
        shown = float(page.page.get_attribute("#route-summary", "data-distance"))
        assert shown == pytest.approx(api["features"][1]["properties"]["distance_m"])
    _assert_chinese(page)
    page.shot("traveller-route")

    # 避开隐患 says what it avoided and what it costs.
    page.page.check("#route-avoid")
    page.page.wait_for_function("document.querySelector('#route-avoid-note').innerText.length > 0", timeout=60_000)
    assert "隐患" in page.page.inner_text("#route-avoid-note")
    _assert_chinese(page)
    page.shot("traveller-avoid")

    # A point far from any road: the error in Chinese.
    page.page.fill("#route-from", "110.0,25.0")
    page.page.click("#route-go")
    page.page.wait_for_selector("body[data-route-error]", state="attached", timeout=30_000)
    assert re.search(r"[\u4e00-\u9fff]", page.page.inner_text("#route-summary"))
    _assert_chinese(page)
    assert page.errors == [] or all("422" in e for e in page.errors)


def test_planner_sees_chinese_labels_percentages_and_exports(desk, server):
    page = desk
    page.page.click("#tabs button[data-tab=planner]")
    page.page.wait_for_selector("body[data-report-shown]", state="attached", timeout=60_000)
    assert page.page.get_attribute("body", "data-facilities-dimmed") == "false"
    labels = page.page.eval_on_selector_all(
        "#plan-figures tr[data-metric] td:first-child", "c => c.map(x => x.innerText)"
    )
    assert labels and all(re.search(r"[\u4e00-\u9fff]", x) and "." not in x for x in labels), labels
    share = page.page.inner_text("#plan-figures tr[data-metric='all.command_county_share'] td.value")
    assert share.endswith("%"), share
    report = _get_json(server, "/coverage/report?year=2019")
    province = next(a for a in report["areas"] if a["level"] == "province")
    for key, m in province["metrics"].items():
        if m.get("target") is None:  # no target: no red 否
            assert page.page.locator(f"#plan-figures tr[data-metric='{key}'] td.bad").count() == 0
    assert page.page.inner_text("#plan-chart-caption")
    # Choosing an area outlines it and zooms there.
    city = next(a for a in report["areas"] if a["level"] == "city")
    page.page.select_option("#plan-area", city["adcode"])
    page.page.wait_for_selector(f"body[data-report-shown='{city['adcode']}']", state="attached", timeout=60_000)
    page.page.wait_for_function("(window.daoanShown.area?.features || []).length === 1", timeout=30_000)
    # Exports one click away, served over HTTP.
    for link, kind in (("#export-csv", "text/csv"), ("#export-html", "text/html")):
        href = page.page.get_attribute(link, "href")
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=120)
        conn.request("GET", href)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and resp.getheader("Content-Type").startswith(kind), (href, resp.status)
    assert "format=pdf" in page.page.get_attribute("#export-pdf", "href")
    # Ranked suggestions linked to their dots, with why.
    page.page.click("#plan-suggest")
    page.page.wait_for_selector("#plan-suggestions li", timeout=60_000)
    first = page.page.locator("#plan-suggestions li").first
    assert "（" in first.inner_text()  # the reasons in brackets
    # The listed sites are numbered on the map as in the list (the first one drawn as 1).
    page.page.wait_for_function(
        "window.daoanMap.queryRenderedFeatures({layers: ['overlay-suggestion-ranks']}).length > 0", timeout=30_000
    )
    ranks = page.page.evaluate(
        "() => window.daoanMap.queryRenderedFeatures({layers: ['overlay-suggestion-ranks']}).map((f) => f.properties.rank)"
    )
    listed = page.page.locator("#plan-suggestions li").count()
    assert 1 in ranks and max(ranks) <= listed, (ranks, listed)
    first.click()
    assert "selected" in (first.get_attribute("class") or "")
    _assert_chinese(page)
    page.shot("planner-zh")
    assert page.errors == []


def test_wall_mode_shows_counters_clock_legend_and_icons(context, server, engine):
    code, from_stake, to_stake = _dual_carriageway_section(engine)
    status, created = _send(
        server,
        "POST",
        "/incidents",
        {"kind": "accident", "route": code, "from_stake": from_stake, "to_stake": to_stake},
    )
    assert status == 201
    station, warnings = _fog_warnings(server, engine)
    low = _get_json(server, "/weather/low-visibility")
    assert station in [f["id"] for f in low["features"]] and warnings
    page = MapPage(context, server, viewport=(1920, 1080), path="/map?mode=wall")
    page.page.wait_for_selector("body[data-wall=true]", timeout=60_000)
    try:
        assert not page.page.is_visible("#panel")
        assert page.page.locator("#map").bounding_box()["width"] == 1920
        zoom = page.page.evaluate("() => window.daoanMap.getZoom()")
        assert 5 <= zoom <= 7.5, zoom
        page.page.wait_for_function("Number(document.getElementById('count-closed').textContent) >= 1", timeout=30_000)
        assert page.page.locator(".wall-icon.closed").count() >= 2  # the legend's and the closure's
        # Hazards in force as the map's triangles, under the city names (thinned where they crowd).
        page.page.wait_for_function(
            "window.daoanMap.queryRenderedFeatures({layers: ['overlay-hazard-icons']}).length >= 1", timeout=30_000
        )
        # Stations reporting low visibility and the warnings in force, counted from the live feeds.
        page.page.wait_for_function(
            f"document.getElementById('count-lowvis').textContent === '{len(low['features'])}'", timeout=30_000
        )
        page.page.wait_for_function(
            f"document.getElementById('count-alerts').textContent === '{len(warnings)}'", timeout=30_000
        )
        # Each warning as a diamond in its level's colour (the map's icons, as on the normal map); the
        # operator's list names them all.
        assert _warning_icons(page) == {w["id"]: w["properties"]["level"] for w in warnings}
        # One entry per warned stretch (its directions together), the most severe few first, all on a click.
        groups = page.page.locator("#warning-list li[data-warnings]")
        assert 1 <= groups.count() <= 5
        if page.page.locator("#warnings-more").count():
            page.page.evaluate("() => document.getElementById('warnings-more').click()")
        ids = page.page.eval_on_selector_all(
            "#warning-list li[data-warnings]", "els => els.map((e) => e.dataset.warnings)"
        )
        assert sorted(int(i) for group in ids for i in group.split(",")) == sorted(w["id"] for w in warnings)
        assert len(ids) < len(warnings)  # both directions of a stretch in one entry
        listed = page.page.eval_on_selector("#warning-list", "e => e.textContent")
        assert warnings[0]["properties"]["title_zh"] in listed and english_words(listed) == [], listed
        assert re.search(r"\d{2}:\d{2}:\d{2}", page.page.inner_text("#wall-clock"))
        assert page.page.is_visible("#legend")
        # The legend's triangles are the map's: fog grey, ice blue, the other hazards amber.
        for kind in ("fog", "ice"):
            assert page.page.locator(f"#legend .wall-icon.warning.{kind}").count() == 1
        for sel in ("#wall-board", "#legend"):
            _assert_chinese(page, sel)
        page.page.wait_for_function("window.daoanMap.querySourceFeatures('outside').length > 0", timeout=30_000)
        page.idle()
        # A hazard's triangle answers a click with the zone, in Chinese.
        triangle = page.page.evaluate(
            """() => { const m = window.daoanMap;  // one no warning's icon or incident's marker lies on
                const r = m.getContainer().getBoundingClientRect();
                return m.queryRenderedFeatures({layers: ['overlay-hazard-icons']}).map((f) => f.geometry.coordinates)
                  .find((c) => { const p = m.project(c);
                    return !m.queryRenderedFeatures(p, {layers: ['overlay-warning-icons']}).length
                      && document.elementFromPoint(r.left + p.x, r.top + p.y) === m.getCanvas(); }); }"""
        )
        page.click_lonlat(triangle)
        page.page.wait_for_selector(".maplibregl-popup-content", timeout=10_000)
        assert page.page.inner_text(".maplibregl-popup-content").startswith("隐患路段")
        page.page.evaluate("() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove())")
        assert {"长沙", "株洲", "湘潭"} <= set(_rendered(page, "admin-labels"))
        # Read from across the room: a city's name is larger on the wall (at province zoom) than at a desk.
        size = "() => window.daoanMap.getLayoutProperty('admin-labels', 'text-size')"
        wall_size, style_size = page.page.evaluate(size), _get_json(server, "/styles/daoan.json")
        style_size = next(lyr for lyr in style_size["layers"] if lyr["id"] == "admin-labels")["layout"]["text-size"]
        assert style_size[3] == wall_size[3] == 6 and wall_size[4][3] >= 1.3 * style_size[4][3] >= 18
        assert {"湖北", "江西", "广东", "广西", "贵州", "重庆"} == set(_rendered(page, "basemap-neighbour-labels"))
        page.shot("wall")
        page.page.keyboard.press("Escape")  # back at the desk: the style's own sizes
        assert page.page.evaluate(size) == style_size
        assert page.errors == []
    finally:
        _send(server, "DELETE", f"/incidents/{created['id']}")
        page.close()


def _fog_warnings(port: int, engine) -> tuple[int, list[dict]]:
    """Fog at a station by an active fog zone: a real reading of 80 m, and the warnings it raises (the
    station's id and the feed of warnings in force)."""
    with engine.connect() as conn:
        station = conn.execute(
            sa.text(
                "SELECT w.id FROM weather_stations w JOIN hazard_zones z ON z.kind = 'fog' AND z.active "
                "AND ST_DWithin(w.geom::geography, z.geom::geography, 5000) ORDER BY w.id LIMIT 1"
            )
        ).scalar_one()
    status, _ = _send(port, "POST", "/weather/observations", {"station_id": station, "visibility_m": 80})
    assert status == 201
    return station, _get_json(port, "/warnings")["features"]


def _warning_icons(page: MapPage) -> dict[int, str]:
    """The warnings' icons drawn on the map now: warning id → the level its icon shows."""
    page.page.wait_for_function(
        "window.daoanMap.queryRenderedFeatures({layers: ['overlay-warning-icons']}).length > 0", timeout=30_000
    )
    drawn = page.page.evaluate(
        """() => window.daoanMap.queryRenderedFeatures({layers: ['overlay-warning-icons']})
            .map((f) => [f.id, f.properties.level, f.layer.layout['icon-image']])"""
    )
    return {ident: level for ident, level, _ in drawn}


def test_warnings_show_as_icons_on_the_normal_map_with_a_chinese_popup(context, server, engine):
    _, warnings = _fog_warnings(server, engine)
    assert warnings
    page = MapPage(context, server, viewport=(1400, 900))
    try:
        # Fitted to Hunan (not the wall): every warning in force has its icon, in its level's colour.
        page.idle()
        assert _warning_icons(page) == {w["id"]: w["properties"]["level"] for w in warnings}
        page.shot("warnings")
        # Clicking the icon answers with the warning, whatever lies beneath (roads, cameras, the hazard zone),
        # in Chinese: title, level, reason, road and stakes.
        first = warnings[0]
        point = page.page.evaluate(
            "(id) => window.daoanShown['warning-points'].features.find((f) => f.id === id).geometry.coordinates",
            first["id"],
        )
        page.page.evaluate("(c) => window.daoanMap.jumpTo({center: c, zoom: 12})", point)
        page.idle()
        beneath = page.page.evaluate(
            """(c) => window.daoanMap.queryRenderedFeatures(window.daoanMap.project(c))
                .filter((f) => f.sourceLayer).map((f) => f.sourceLayer)""",
            point,
        )
        assert beneath  # there is something under the icon that could have answered instead
        page.click_lonlat(point)
        page.page.wait_for_selector(".maplibregl-popup-content", timeout=10_000)
        popup = page.page.inner_text(".maplibregl-popup-content")
        p = first["properties"]
        assert popup.startswith(p["title_zh"]), popup
        level = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}[p["level"]]
        for text in (f"预警等级\t{level}", "原因\t大雾", p["route_code"], p["from_stake"], p["to_stake"]):
            assert text in popup, (text, popup)
        assert english_words(popup.replace(p["route_code"], "")) == [], popup
        page.shot("warning-popup")
        # The warned stretch itself (its tile line, away from the icon) answers alike.
        page.page.evaluate("() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove())")
        line = first["geometry"]["coordinates"][0]
        off = line[len(line) // 4] if len(line) > 3 else line[0]
        page.page.evaluate("(c) => window.daoanMap.jumpTo({center: c, zoom: 13})", off)
        page.idle()
        page.click_lonlat(off)
        page.page.wait_for_selector(".maplibregl-popup-content", timeout=10_000)
        assert "预警等级" in page.page.inner_text(".maplibregl-popup-content")
        assert page.errors == []
    finally:
        page.close()


def test_the_layer_list_and_every_layers_popup_read_in_chinese(context, server):
    """As an officer with a token sees them (internal layers too): the legend's entries from the style in
    Chinese (封闭 and 限速, 蓝色…红色 for warnings), and every popup with Chinese names and values."""
    page = MapPage(context, server, viewport=(1400, 900))
    try:
        page.page.evaluate(
            "(t) => { document.getElementById('token').value = t; return useReadToken(t); }", ADMIN_TOKEN
        )
        page.page.wait_for_function("document.querySelectorAll('#layer-list .locked').length === 0", timeout=30_000)
        _assert_chinese(page, "#tab-layers")
        legend = page.page.inner_text("#tab-layers")
        for entry in ("封闭", "限速", "蓝色", "红色", "高速公路"):
            assert entry in legend, entry
        # No "other" colour where a layer's values are all listed (hazard kinds, warning levels).
        assert "其他" not in legend, legend
        seen: dict[str, str] = {}
        for center, zoom in (([113.0, 28.0], 11), ([113.1, 27.85], 13), ([112.95, 28.2], 14)):
            page.page.evaluate("([c, z]) => window.daoanMap.jumpTo({center: c, zoom: z})", [center, zoom])
            page.idle()
            popups = page.page.evaluate(
                """() => { const seen = {};
                    for (const f of window.daoanMap.queryRenderedFeatures()) {
                      if (!f.sourceLayer || seen[f.sourceLayer]) continue;
                      const div = document.createElement('div');
                      div.innerHTML = popupHtml(f);
                      // A station's code (its id in the weather network) is a code, not a word.
                      seen[f.sourceLayer] = div.textContent.replace(f.properties.station_code || '', ''); }
                    return seen; }"""
            )
            for layer, text in popups.items():
                seen.setdefault(layer, text)
        assert {"cameras", "guidance_signs", "weather_stations", "road_segments", "hazard_zones", "accidents"} <= set(
            seen
        )
        leaks = {layer: english_words(text) for layer, text in seen.items() if english_words(text)}
        assert leaks == {}, leaks
        assert page.errors == []
    finally:
        page.close()
