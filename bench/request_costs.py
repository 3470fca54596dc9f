"""What the costly requests of issue 11 cost, with the limits of gis/settings.py lifted and in force,
and what the answer cache saves: in-process (Flask test client) against DAOAN_DATABASE_URL, which
must hold a demo (`daoan demo --size province` reproduces the issue's figures).

    DAOAN_DATABASE_URL=… DAOAN_VAR=… .venv/bin/python bench/request_costs.py

Province demo, 2 shared cores (load about 4): limits lifted, 10 bands to 120 min 6.8 s and the
province polygon 42 s / 143 MB; with the defaults both 413 in about 1 ms, the second identical
isochrone, diversion or suggestion 2-4 ms from the answer cache (0.2-0.9 s computed).
"""

from __future__ import annotations

import time
from dataclasses import replace

from app import create_app
from gis.root import root_of
from gis.settings import load_settings

PROVINCE = {
    "type": "Polygon",
    "coordinates": [[[108.8, 24.6], [114.3, 24.6], [114.3, 30.1], [108.8, 30.1], [108.8, 24.6]]],
}
CLOSURE = {"route": "G4", "from_stake": "K1500+000", "to_stake": "K1503+000"}
TEN_BANDS = {"at": "112.95,28.20", "minutes": ",".join(str(12 * i) for i in range(1, 11))}
FIVE_BANDS = {"at": "112.95,28.20", "minutes": "10,20,30,45,60"}
LIFTED = {
    "diversion_max_closed_arcs": 10**9,
    "diversion_max_area_km2": 1e9,
    "isochrone_max_bands": 10,
    "isochrone_max_minutes": 120.0,
    "suggest_time_limit_s": 30.0,
    "suggest_max_candidates": 10**9,
    "answer_cache_entries": 0,
}


def timed(client, method: str, path: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    resp = client.open(path, method=method, **kwargs)
    took = time.perf_counter() - started
    return f"{resp.status_code} in {took:7.3f} s, {len(resp.data) / 1e6:7.2f} MB"


def main() -> None:
    base = load_settings()
    for label, settings in (("limits lifted", replace(base, **LIFTED)), ("defaults", base)):
        app = create_app(settings)
        client = app.test_client()
        client.get("/route?from=112.95,28.20&to=112.96,28.25")  # build and warm routing first
        print(f"-- {label}")
        print(f"GET /isochrone 10 bands to 120 min   {timed(client, 'GET', '/isochrone', query_string=TEN_BANDS)}")
        for n in (1, 2):
            print(
                f"GET /isochrone 5 bands to 60 min #{n}  {timed(client, 'GET', '/isochrone', query_string=FIVE_BANDS)}"
            )
        print(
            f"POST /diversion province polygon     {timed(client, 'POST', '/diversion', json={'geometry': PROVINCE})}"
        )
        for n in (1, 2):
            print(f"POST /diversion G4 3 km #{n}          {timed(client, 'POST', '/diversion', json=CLOSURE)}")
        for n in (1, 2):
            query = {"kind": "enforcement_station"}
            print(
                f"GET /coverage/suggest LSCP #{n}       {timed(client, 'GET', '/coverage/suggest', query_string=query)}"
            )
        answers = root_of(app).answers
        print(f"answer cache: {answers.hits} hits, {answers.misses} misses, {len(answers)} kept")
        root_of(app).close()


if __name__ == "__main__":
    main()
