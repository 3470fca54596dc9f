"""Write docs/diversion.md from the diversion plan a running Daoan answers for the G4 K1617–K1638
fog closure near 衡阳 (a known fog-prone section), both directions, both tiers, every sign message,
as the API returns them. Rerun it when the demo's network changes:

    .venv/bin/python scripts/diversion_doc.py --url http://127.0.0.1:8000 [--out docs/diversion.md]

Without --url the plan is asked in-process (the Flask app on DAOAN_DATABASE_URL's demo)."""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path

CLOSURE = {
    "kind": "weather_closure",
    "weather": "fog",
    "route": "G4",
    "from_stake": "K1617+000",
    "to_stake": "K1638+000",
}


def ask(url: str | None, body: dict) -> dict:
    """The plan POST /diversion answers for `body`."""
    if url:
        req = urllib.request.Request(
            url.rstrip("/") + "/diversion",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)
    from app import create_app

    resp = create_app().test_client().post("/diversion", json=body)
    if resp.status_code != 200:
        raise SystemExit(f"POST /diversion answered {resp.status_code}: {resp.get_data(as_text=True)}")
    return resp.get_json()


def _km(m: float | None) -> str:
    return "—" if m is None else f"{m / 1000:.1f} km"


def render(plan: dict, restriction: dict) -> str:
    """The page: per direction the section, the tiers, the toll stations and every sign."""
    feats = [f["properties"] for f in plan["features"]]
    out = [
        "# Diversion plan: G4 K1617–K1638 fog closure (generated)",
        "",
        "Written by `scripts/diversion_doc.py` from the answers of `POST /diversion` with",
        f"`{json.dumps(CLOSURE, ensure_ascii=False)}`; do not edit by hand.",
        "",
    ]
    basis = plan.get("legal_basis")
    if basis:
        out += [f"Legal basis: {basis['article']}. {basis['note_zh']}", ""]
    for d in plan["directions"]:
        s = d["stream"]
        mine = [p for p in feats if p.get("stream") == s]
        closure = next(p for p in mine if p["role"] == "closure")
        out += [
            f"## {d['direction_zh']}",
            "",
            f"Closed: {closure['route_code']} {'–'.join(sorted((closure['from_stake'], closure['to_stake'])))}, "
            f"{closure['length_m'] / 1000:.1f} km as asked, closed for routing on that stake range only (the "
            f"segments it touches: {closure.get('segments_length_m', closure['length_m']) / 1000:.1f} km).",
            "",
            "| tier | point | toll station | upstream | sends traffic to | order |",
            "|---|---|---|---|---|---|",
        ]
        for p in (p for p in mine if p["role"] == "decision_point"):
            out.append(
                f"| {p['tier']} | {p['name'] or p['stake'] or p['node_id']} | {p['toll_station'] or '—'} | "
                f"{_km(p['distance_to_closure_m'])} | {p['sends_to'] or '—'} | {p['measure_zh']} |"
            )
        stations = sorted((p for p in mine if p["role"] == "entrance_closure"), key=lambda p: p["stake"] or "")
        if stations:
            out += [
                "",
                "Toll stations: " + "；".join(f"{p['text_zh']}（{p['stake']}）" for p in stations),
            ]
        out += ["", "| sign | stake | size | upstream | tier | message |", "|---|---|---|---|---|---|"]
        for p in (p for p in mine if p["role"] == "sign"):
            size = f"{p['lines']}×{p['chars_per_line']}" if p.get("lines") else "—"
            text = " / ".join(p["message_lines"]) if p.get("message_lines") else p["message_zh"]
            out.append(
                f"| {p.get('sign_name') or '—'} | {p.get('stake') or '—'} | {size} | "
                f"{_km(p.get('distance_to_closure_m'))} | {p.get('tier') or '—'} | {text} |"
            )
        out.append("")
    out += ["## The same section as a 40 km/h restriction", ""]
    directions = {d["stream"]: d["direction_zh"] for d in restriction["directions"]}
    if restriction.get("legal_basis"):
        out += [f"Legal basis: {restriction['legal_basis']['article']}. {restriction['legal_basis']['note_zh']}", ""]
    for p in (f["properties"] for f in restriction["features"]):
        if p["role"] == "sign":
            text = " / ".join(p["message_lines"]) if p.get("message_lines") else p["message_zh"]
            where = p.get("direction_zh") or directions.get(p["stream"], p["direction"])
            out.append(f"- {p.get('sign_name') or 'sign'}（{where}）: {text}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running Daoan (default: in-process)")
    parser.add_argument("--out", default="docs/diversion.md", help="file to write")
    args = parser.parse_args()
    plan = ask(args.url, CLOSURE)
    restriction = ask(args.url, dict(CLOSURE, effect="restricted", speed_cap_kmh=40))
    Path(args.out).write_text(render(plan, restriction), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
