"""Hostile but fair input: every bad value gets a 4xx problem naming it (or 503 for the database),
never a 500, never internal text; and the protocol details of issue 11 (Allow, bearer, framing,
forwarded headers, CSV cells, the OpenAPI contract)."""

from __future__ import annotations

from tests.conftest import ADMIN_TOKEN, module_data
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
