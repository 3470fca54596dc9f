"""Hostile but fair input: every bad value gets a 4xx problem naming it (or 503 for the database),
never a 500, never internal text; and the protocol details of issue 11 (Allow, bearer, framing,
forwarded headers, CSV cells, the OpenAPI contract)."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN, auth, module_data
from tests.netfixture import load_small_network

_data = module_data(load_small_network, name="_data")
UNTRUSTED = {"REMOTE_ADDR": "203.0.113.9"}


def _problem(resp, status: int, parameter: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    if parameter is not None:
        assert body.get("parameter") == parameter, body
    return body


# --- the OpenAPI document is an honest contract ---------------------------------------------------


def test_openapi_security_scheme_is_the_one_referenced(client):
    doc = client.get("/openapi.json").get_json()
    defined = set(doc["components"]["securitySchemes"])
    used = {name for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)
            for req in op.get("security", []) for name in req}  # fmt: skip
    assert used and used <= defined


def test_openapi_writes_have_real_body_schemas_and_error_statuses(client):
    doc = client.get("/openapi.json").get_json()
    for path, method in [("/incidents", "post"), ("/incidents/{id}", "patch"), ("/diversion", "post"),
                         ("/matrix", "post"), ("/weather/observations", "post"), ("/imports/{layer}", "post")]:  # fmt: skip
        op = doc["paths"][path][method]
        for media in op["requestBody"]["content"].values():
            assert media["schema"] != {"type": "object"}, (path, method)
        for status in ("400", "405", "413", "422", "503"):
            problem = op["responses"][status]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"401", "403", "404", "409", "412"} <= set(doc["paths"]["/incidents/{id}"]["patch"]["responses"])
    imports = doc["paths"]["/imports/{layer}"]["post"]
    assert "multipart/form-data" in imports["requestBody"]["content"] and imports["security"]


# --- protocol details -----------------------------------------------------------------------------


def test_405_names_the_allowed_methods(client):
    resp = client.put("/collections")
    _problem(resp, 405)
    assert {m.strip() for m in resp.headers["Allow"].split(",")} >= {"GET", "HEAD"}


def test_bearer_scheme_is_case_insensitive(client):
    body = {"station_id": 999999, "visibility_m": 100}
    for scheme in ("bearer", "BEARER", "Bearer"):
        resp = client.post("/weather/observations", json=body, headers={"Authorization": f"{scheme} {ADMIN_TOKEN}"})
        assert resp.status_code == 422, (scheme, resp.get_json())  # authenticated: the station is unknown
    _problem(client.post("/weather/observations", json=body, headers={"Authorization": f"Basic {ADMIN_TOKEN}"}), 401)


def test_every_html_answer_forbids_framing_by_others(client):
    for path in ("/map", "/map/index.html", "/?f=html"):
        resp = client.get(path)
        if resp.status_code in (301, 302, 303):
            continue
        assert resp.status_code == 200 and resp.mimetype == "text/html", path
        assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"], path
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert (
        client.get("/map").headers["Content-Security-Policy"]
        == client.get("/map/index.html").headers["Content-Security-Policy"]
    )


def test_forwarded_headers_are_ignored_from_untrusted_peers(client):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/x"}
    doc = client.get("/tiles/cameras.json", headers=headers, environ_base=UNTRUSTED).get_json()
    assert doc["tiles"][0].startswith("http://localhost/tiles/cameras/")
    links = client.get("/", headers=headers, environ_base=UNTRUSTED).get_json()["links"]
    assert all("evil.example" not in link["href"] for link in links)


def test_trusted_proxies_setting_parses_cidrs():
    from gis.proxies import parse_networks
    from gis.settings import load_settings

    settings = load_settings({"DAOAN_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert len(parse_networks(settings.trusted_proxies)) == 2
    assert load_settings({}).trusted_proxies == ()


def test_csv_cells_are_not_formulas():
    from planning.export import report_csv

    metric = {"roads": "all", "value": -1.5, "target": 1, "met": False, "unit": "share", "standard": {"scope": "x"}}
    report = {"year": 2019, "areas": [
        {"adcode": "430100", "name": '=HYPERLINK("http://x","y")', "level": "@city", "metrics": {"m": metric}},
        {"adcode": "+1", "name": "\tTab", "level": "-2", "metrics": {"m": metric}},
    ]}  # fmt: skip
    text = report_csv(report)
    assert "'=HYPERLINK" in text and ",'@city," in text and ",'+1," in text and "'\tTab" in text
    assert ",'-2," in text and ",-1.5," in text  # text is neutralised, numbers are kept


# --- values that reached SQL unchecked ------------------------------------------------------------


def test_filter_value_with_a_newline_is_data_not_sql(client):
    resp = client.get("/collections/cameras/items", query_string={"name": "\n'x'; SELECT 1 --"})
    assert resp.status_code == 200 and resp.get_json()["numberReturned"] == 0


def test_ids_past_64_bits_are_not_found(client):
    for path in ("/incidents/99999999999999999999999", "/collections/cameras/items/99999999999999999999999"):
        _problem(client.get(path), 404)


def test_an_empty_if_match_tag_is_a_stale_version_not_a_crash(client):
    # werkzeug parses an empty tag in If-Match as None; found by tests/test_fuzz_api.py (it was a 500).
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "If-Match": '"", "1-active"'}
    resp = client.patch("/incidents/999999", json={"description": "x"}, headers=headers)
    assert resp.status_code in (404, 412), resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"


# --- every bad value, on every endpoint that takes one (issue 11, item 4) ----------------------------
# The operations come from the OpenAPI document the app serves (built here without a database), so an
# endpoint added later is covered by the same tests.


def _document() -> dict:
    from app import openapi_api
    from layers.openapi import openapi_document

    return openapi_document("http://localhost", dict(openapi_api().openapi_paths))


DOC = _document()
OPERATIONS = [
    (method.upper(), path, op, [p for p in op.get("parameters", []) + item.get("parameters", []) if "name" in p])
    for path, item in DOC["paths"].items()
    for method, op in item.items()
    if method in ("get", "post", "patch", "delete")
]
# A valid value of each required parameter (on the network of tests/netfixture.py).
VALID = {
    "collectionId": "cameras", "featureId": "1", "id": "1", "layer": "cameras", "layers": "cameras",
    "z": "12", "x": "3330", "y": "1710", "tileMatrixSetId": "WebMercatorQuad", "tileMatrix": "12",
    "tileRow": "1710", "tileCol": "3330", "fontstack": "Noto Sans Regular", "range": "0-255",
    "from": "112.95,28.101", "to": "112.95,28.18", "at": "112.95,28.12", "q": "G107", "kind": "camera",
    "incident": "1",
}  # fmt: skip
JSON_BODIES = {
    ("POST", "/incidents"): {"kind": "works", "route": "G107", "from_stake": "K1501+000", "to_stake": "K1502+000"},
    ("PATCH", "/incidents/{id}"): {"description": "x"},
    ("POST", "/diversion"): {"route": "G107", "from_stake": "K1501+000", "to_stake": "K1502+000"},
    ("POST", "/matrix"): {"sources": [[112.95, 28.101]], "destinations": [[112.95, 28.18]]},
    ("POST", "/weather/observations"): {"station_code": "57687", "visibility_m": 150},
    ("POST", "/weather/forecasts"): {
        "station_code": "57687",
        "valid_from": "2026-12-06T08:00:00+08:00",
        "valid_to": "2026-12-06T12:00:00+08:00",
        "visibility_m": 150,
    },
}
INTERNAL_TEXT = ("out of bounds", "has no attribute", "Traceback", "psycopg", "sqlalchemy", "invalid input syntax",
                 "out of range for type", "NoneType", "not subscriptable", "Exceeds the limit")  # fmt: skip
# Numbers inside text (a stake filter of /collections/…/items is text: the stake as recorded).
NUMBER_TEXT = ("from", "to", "at", "via", "bbox", "stake", "minutes", "budget", "share")


def _url(method: str, path: str, params: list[dict], query: dict[str, str]) -> str:
    from urllib.parse import quote

    for p in params:
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", quote(query.pop(p["name"], VALID[p["name"]]), safe=""))
    declared = {p["name"] for p in params}
    if "stake" in query and "route" in declared:  # a stake means something only on a route
        query.setdefault("route", "G107")
    for p in params:
        if p["in"] == "query" and p.get("required") and p["name"] not in query:
            query[p["name"]] = VALID[p["name"]]
    return path + ("?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items()) if query else "")


def _user_problem(resp, statuses: tuple[int, ...], parameter: str | None = None) -> dict:
    """A problem answer with one of `statuses`, naming `parameter` (exactly, or a member of it), in user words."""
    text = resp.get_data(as_text=True)
    assert resp.status_code in statuses, text
    assert resp.mimetype == "application/problem+json", text
    body = resp.get_json(force=True)
    if parameter is not None and resp.status_code != 404:  # 404: well-formed, nothing there
        named = str(body.get("parameter", ""))
        assert named == parameter or named.startswith((parameter + ".", parameter + "[")), body
    assert not any(leak.lower() in text.lower() for leak in INTERNAL_TEXT), body
    return body


def _query_params(kind) -> list:  # type: ignore[no-untyped-def]
    return [
        pytest.param(method, path, params, p["name"], id=f"{method} {path} {p['name']}")
        for method, path, _op, params in OPERATIONS
        for p in params
        if p["in"] == "query" and kind(p)
    ]


def _json_operations() -> list:  # type: ignore[no-untyped-def]
    return [
        pytest.param(method, path, params, id=f"{method} {path}")
        for method, path, op, params in OPERATIONS
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize(("method", "path", "params", "name"), _query_params(lambda p: True))
@pytest.mark.parametrize("value", ["\x00", "a\x00b"], ids=["nul", "nul-inside"])
def test_nul_in_any_query_parameter_is_400_naming_it(client, method, path, params, name, value):
    resp = client.open(_url(method, path, params, {name: value}), method=method, headers=auth())
    assert "NUL" in _user_problem(resp, (400,), name)["detail"]


@pytest.mark.parametrize(
    ("method", "path", "params", "name"),
    _query_params(
        lambda p: (
            p["schema"].get("type") in ("integer", "number")
            or (p["name"] in NUMBER_TEXT and not p.get("description", "").startswith("Equality filter"))
        )
    ),
)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "9" * 5000])
def test_non_finite_and_huge_numbers_in_queries_are_4xx_naming_them(client, method, path, params, name, value):
    if name in ("from", "to", "at", "via"):
        value = f"{value},28.1"
    elif name == "bbox":
        value = f"112,28,{value},29"
    elif name == "stake":
        value = f"K{value}+100" if value != "nan" else "nan"
    resp = client.open(_url(method, path, params, {name: value}), method=method, headers=auth())
    _user_problem(resp, (400, 404, 413, 422), name)


@pytest.mark.parametrize(
    ("method", "path", "params", "name"),
    _query_params(lambda p: p["schema"].get("type") == "integer"),
)
@pytest.mark.parametrize("value", ["99999999999999999999999", "-99999999999999999999999", "9223372036854775808"])
def test_integers_past_64_bits_in_queries_are_4xx_naming_them(client, method, path, params, name, value):
    resp = client.open(_url(method, path, params, {name: value}), method=method, headers=auth())
    _user_problem(resp, (400, 404, 422), name)


@pytest.mark.parametrize(
    ("method", "path", "params", "name"),
    [
        pytest.param(method, path, params, p["name"], id=f"{method} {path} {p['name']}")
        for method, path, _op, params in OPERATIONS
        for p in params
        if p["in"] == "path" and p["schema"].get("type") == "integer"
    ],
)
@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e400", "nan"])
def test_path_integers_past_64_bits_or_not_integers_are_4xx(client, method, path, params, name, value):
    resp = client.open(_url(method, path, params, {name: value}), method=method, headers=auth(), json={})
    _user_problem(resp, (400, 404, 405))


OUT_OF_RANGE_TIMES = ["0000-01-01T00:00:00", "99999-01-01T00:00:00", "294277-01-01T00:00:00Z",
                      "0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-08:00", "1800-01-01T00:00:00Z"]  # fmt: skip


def _datetime_params() -> list:  # type: ignore[no-untyped-def]
    from layers.catalog import LAYERS

    datetime_properties = {
        (f"/collections/{layer.id}/items", p.name) for layer in LAYERS.values() for p in layer.properties
        if p.type == "datetime"
    }  # fmt: skip
    return _query_params(lambda p: p["schema"].get("format") == "date-time") + [
        pytest.param(method, path, params, p["name"], id=f"{method} {path} {p['name']}")
        for method, path, _op, params in OPERATIONS
        for p in params
        if (path, p["name"]) in datetime_properties
    ]


@pytest.mark.parametrize(("method", "path", "params", "name"), _datetime_params())
@pytest.mark.parametrize("value", OUT_OF_RANGE_TIMES)
def test_times_out_of_range_in_queries_are_400_naming_them(client, method, path, params, name, value):
    resp = client.open(_url(method, path, params, {name: value}), method=method, headers=auth())
    _user_problem(resp, (400,), name)


BAD_BODIES = {
    "deeply-nested": b"[" * 100_000,
    "deeply-nested-objects": b'{"a":' * 50_000,
    "1e400": b"1e400",
    "NaN": b"NaN",
    "Infinity": b"[-Infinity]",
    "nul": b'{"x": "a\\u0000b"}',
    "surrogate": b'{"x": "\\ud800"}',
    "not-utf8": b"\xff\xfe{}",
    "empty": b"",
    "list": b"[]",
    "string": b'"x"',
}


@pytest.mark.parametrize(("method", "path", "params"), _json_operations())
@pytest.mark.parametrize("raw", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_bad_json_bodies_are_400_naming_the_member(client, method, path, params, raw):
    url = _url(method, path, params, {})
    resp = client.open(url, method=method, data=raw, content_type="application/json", headers=auth())
    assert _user_problem(resp, (400,))["parameter"]


def _wrong_types(schema: dict) -> list:  # type: ignore[no-untyped-def]
    kind = schema.get("type")
    if kind == "string":
        return [{}, [], True]
    if kind == "number":
        return [{}, [], True, "x"]
    if kind == "integer":
        return [{}, [], True, "x", 10**30]
    if kind == "array":
        return [{}, "x", True, [{}], [[{}]]]
    if kind == "object":
        return [[], "x", 5, {"type": "Point", "coordinates": []}, {"type": "Point", "coordinates": "x"}]
    return [{}]


def _json_fields() -> list:  # type: ignore[no-untyped-def]
    out = []
    for method, path, op, params in OPERATIONS:
        media = op.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            continue
        schema = media["schema"].get("oneOf", [media["schema"]])[0]
        for name, prop in schema.get("properties", {}).items():
            for i, value in enumerate(_wrong_types(prop)):
                out.append(pytest.param(method, path, params, name, value, id=f"{method} {path} {name} {i}"))
    return out


@pytest.mark.parametrize(("method", "path", "params", "name", "value"), _json_fields())
def test_json_values_of_the_wrong_type_are_4xx_naming_the_field(client, method, path, params, name, value):
    body = {**JSON_BODIES[(method, path)], name: value}
    resp = client.open(_url(method, path, params, {}), method=method, json=body, headers=auth())
    _user_problem(resp, (400, 413, 422), name)


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("POST", "/incidents", "starts_at"),
        ("POST", "/incidents", "ends_at"),
        ("PATCH", "/incidents/{id}", "ends_at"),
        ("POST", "/weather/observations", "observed_at"),
        ("POST", "/weather/forecasts", "issued_at"),
        ("POST", "/weather/forecasts", "valid_from"),
        ("POST", "/weather/forecasts", "valid_to"),
        ("POST", "/diversion", "starts_at"),
    ],  # fmt: skip
)
@pytest.mark.parametrize("value", OUT_OF_RANGE_TIMES)
def test_times_out_of_range_in_bodies_are_400_naming_them(client, method, path, name, value):
    params = next(p for m, pa, _o, p in OPERATIONS if (m, pa) == (method, path))
    body = {**JSON_BODIES[(method, path)], name: value}
    resp = client.open(_url(method, path, params, {}), method=method, json=body, headers=auth())
    _user_problem(resp, (400,), name)


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/incidents", "from_stake", "nan"),
        ("/incidents", "from_stake", "inf"),
        ("/incidents", "to_stake", "-inf"),
        ("/incidents", "from_stake", "1e400"),
        ("/incidents", "from_stake", 1e300),
        ("/diversion", "to_stake", "NaN"),
        ("/incidents", "toll_station_id", 2**64),
        ("/weather/observations", "station_id", 2**64),
        ("/weather/observations", "visibility_m", 10**400),
        ("/incidents", "speed_cap_kmh", 10**400),
    ],  # fmt: skip
)
def test_non_finite_stakes_and_numbers_in_bodies_are_4xx_naming_them(client, path, name, value):
    import json

    raw = json.dumps({**JSON_BODIES[("POST", path)], name: value})
    resp = client.post(path, data=raw, content_type="application/json", headers=auth())
    _user_problem(resp, (400, 422), name)


@pytest.mark.parametrize("stake", ["nan", "inf", "-inf", "1e400", "K1e400+1", "Knan+0"])
def test_non_finite_stakes_in_locate_are_400(client, stake):
    _user_problem(client.get("/locate", query_string={"route": "G107", "stake": stake}), (400,), "stake")


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": []},
        "POINT(112.95 28.1)",
        {"type": "LineString", "coordinates": [[112.95, 28.1]]},
        {"type": "Polygon", "coordinates": [[[112.9, 28.1], [113, 28.2]]]},
        {"type": "Point", "coordinates": [[1, 2]]},
        {"type": "GeometryCollection", "geometries": "x"},
        {"type": "Circle", "coordinates": [1, 2]},
    ],  # fmt: skip
)
def test_bad_geometries_are_described_in_user_words(client, geometry):
    # "index 0 is out of bounds…" and "'str' object has no attribute 'get'" were shapely's words in 400s.
    for path in ("/incidents", "/diversion"):
        resp = client.post(path, json={"kind": "works", "geometry": geometry}, headers=auth())
        _user_problem(resp, (400, 422), "geometry")


def test_bad_geometries_in_an_import_are_described_in_user_words(client):
    import json

    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": []}},
        {"type": "Feature", "properties": {"name": "b"}, "geometry": "POINT(1 2)"},
    ]}  # fmt: skip
    resp = client.post("/imports/cameras", data=json.dumps(doc), content_type="application/geo+json", headers=auth())
    body = _user_problem(resp, (422,))
    reasons = [e["reason"] for e in body["errors"] if e["field"] == "geometry"]
    assert [e["row"] for e in body["errors"] if e["field"] == "geometry"] == [1, 2], body
    assert "[lon, lat]" in reasons[0] and "GeoJSON geometry object" in reasons[1], reasons


def test_a_connection_lost_during_commit_is_503_with_retry_after(app, client, engine):
    """The server's own connection is killed between the last statement and COMMIT (real PostgreSQL)."""
    import sqlalchemy as sa

    from gis.root import root_of

    app_engine = root_of(app).engine

    import threading

    killed = []
    request_thread = threading.get_ident()  # the test client runs the request here

    def kill_before_commit(conn) -> None:  # type: ignore[no-untyped-def]
        if killed or threading.get_ident() != request_thread:  # not the router's background work
            return
        pid = conn.connection.dbapi_connection.get_backend_pid()
        with engine.connect() as admin:
            killed.append(admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar())

    before = client.get("/incidents", query_string={"status": "all"}).get_json()["features"]
    sa.event.listen(app_engine, "commit", kill_before_commit)
    try:
        resp = client.post("/incidents", json=JSON_BODIES[("POST", "/incidents")], headers=auth())
    finally:
        sa.event.remove(app_engine, "commit", kill_before_commit)
    assert killed == [True]
    _user_problem(resp, (503,))
    assert int(resp.headers["Retry-After"]) > 0
    after = client.get("/incidents", query_string={"status": "all"}).get_json()["features"]
    assert len(after) == len(before)  # the transaction did not commit


def _camera_collection(properties: dict) -> str:
    import json

    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [112.9501, 28.12]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


@pytest.mark.parametrize(
    ("upload", "content_type", "field"),
    [
        (_camera_collection({"name": "a\x00b", "kind": "video"}), "application/geo+json", "name"),
        (_camera_collection({"name": "\ud800", "kind": "video"}), "application/geo+json", "name"),
        (_camera_collection({"na\x00me": "a", "kind": "video"}), "application/geo+json", "properties"),
        ("name,kind,lon,lat\na\x00b,video,112.9501,28.12\n", "text/csv", "name"),
    ],
    ids=["geojson-nul", "geojson-surrogate", "geojson-nul-in-a-name", "csv-nul"],
)
def test_text_the_database_cannot_store_is_an_import_error_naming_the_field(client, upload, content_type, field):
    data = upload.encode("utf-8", "surrogatepass")
    body = _user_problem(client.post("/imports/cameras", data=data, content_type=content_type, headers=auth()), (422,))
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, field)], body


def test_a_deeply_nested_geojson_upload_is_400(client):
    data = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000
    resp = client.post("/imports/cameras", data=data, content_type="application/geo+json", headers=auth())
    assert "nested too deeply" in _user_problem(resp, (400,), "file")["detail"]
