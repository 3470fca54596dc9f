"""A small hand-checkable road network for the coverage tests, built with plain SQL.

Stakes map to longitude: K0 lies at 112.0°E and each stake km is 0.01° further east.

- G60 expressway, dual carriageway K0–K40 in 4 km segments: K0–K20 in 长沙县 430121, K20–K40 in
  双峰县 431321; interchange at K20. Up-carriageway cameras every 2 km at K1, K3, … K39 except K15
  and K17; no camera on the down carriageway. Interval speed section K2–K12.
- G107 national road, two-way K0–K60 in 5 km segments, in and out of 浏阳市 430181: K0–K10 430181,
  K10–K25 430121, K25–K40 430181, K40–K50 430121, K50–K60 430181 (35 km in 430181, no piece ≥ 30 km);
  cameras at K5, K12, K40; a county road X001 joins at K30; enforcement station at K15 (430121);
  fog zone K18–K28; weather station at K20.
- S312 provincial road, two-way K0–K20 in 新化县 431322, no facility.
- An ice zone over G60 K30–K34 (both carriageways). Command centres: city 430100 and county 430121.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

AREAS = [
    ("430000", "湖南省", "province", None),
    ("430100", "长沙市", "city", "430000"),
    ("431300", "娄底市", "city", "430000"),
    ("430121", "长沙县", "county", "430100"),
    ("430181", "浏阳市", "county", "430100"),
    ("431321", "双峰县", "county", "431300"),
    ("431322", "新化县", "county", "431300"),
]

G107_COUNTIES = [(0, 10, "430181"), (10, 25, "430121"), (25, 40, "430181"), (40, 50, "430121"), (50, 60, "430181")]


def _lon(stake_km: float) -> float:
    return 112.0 + stake_km * 0.01


def _county(pieces: list[tuple[float, float, str]], km: float) -> str:
    for a, b, county in pieces:
        if a <= km < b:
            return county
    return pieces[-1][2]


class Builder:
    """Collects rows and inserts them in one transaction."""

    def __init__(self) -> None:
        self.node_id = 0
        self.segment_id = 0
        self.nodes: list[dict] = []
        self.segments: list[dict] = []

    def node(self, lon: float, lat: float, *, interchange: bool = False) -> int:
        self.node_id += 1
        self.nodes.append({"id": self.node_id, "lon": lon, "lat": lat, "ic": interchange})
        return self.node_id

    def route(
        self,
        code: str,
        road_class: str,
        *,
        lat: float,
        stakes_km: list[float],
        counties: list[tuple[float, float, str]],
        oneway: bool = False,
        reverse: bool = False,
        interchanges: tuple[float, ...] = (),
    ) -> dict[float, int]:
        """Segments between consecutive stakes; returns the node at each stake."""
        at = {km: self.node(_lon(km), lat, interchange=km in interchanges) for km in stakes_km}
        for a, b in zip(stakes_km, stakes_km[1:], strict=False):
            start, end = (b, a) if reverse else (a, b)
            self.segment_id += 1
            self.segments.append(
                {
                    "id": self.segment_id,
                    "road_class": road_class,
                    "route_code": code,
                    "oneway": oneway,
                    "length_m": abs(b - a) * 1000,
                    "start": start * 1000,
                    "end": end * 1000,
                    "county": _county(counties, (a + b) / 2),
                    "source": at[start],
                    "target": at[end],
                    "x0": _lon(start),
                    "x1": _lon(end),
                    "lat": lat,
                }
            )
        return at

    def insert(self, conn: sa.Connection) -> None:
        conn.execute(
            sa.text(
                "INSERT INTO road_nodes (id, interchange, geom) "
                "VALUES (:id, :ic, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            self.nodes,
        )
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (id, road_class, route_code, oneway, default_speed_kmh, length_m, "
                "start_stake_m, end_stake_m, county_adcode, source_node, target_node, source, geom) "
                "VALUES (:id, :road_class, :route_code, :oneway, 60, :length_m, :start, :end, :county, :source, "
                ":target, 'test', ST_SetSRID(ST_MakeLine(ST_MakePoint(:x0, :lat), ST_MakePoint(:x1, :lat)), 4326))"
            ),
            self.segments,
        )


def _facility(conn: sa.Connection, table: str, route: str, stake_km: float, lat: float, **extra: object) -> None:
    """A facility on `route` at `stake_km`, referenced to the segment there (nearest to lat)."""
    cols = ", ".join(extra)
    vals = ", ".join(f":{k}" for k in extra)
    conn.execute(
        sa.text(
            f'INSERT INTO "{table}" ({cols}{", " if extra else ""}segment_id, route_code, stake_m, stake, '
            "county_adcode, geom) "
            f"SELECT {vals}{', ' if extra else ''}s.id, s.route_code, :stake, daoan_format_stake(:stake), "
            "s.county_adcode, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) FROM road_segments s "
            "WHERE s.route_code = :route AND :stake BETWEEN least(s.start_stake_m, s.end_stake_m) "
            "AND greatest(s.start_stake_m, s.end_stake_m) "
            "ORDER BY abs(ST_Y(ST_StartPoint(s.geom)) - :lat), s.id LIMIT 1"
        ),
        {"route": route, "stake": stake_km * 1000, "lon": _lon(stake_km), "lat": lat, **extra},
    )


def build_coverage_network(engine: sa.Engine) -> None:
    """Load the network described in the module docstring into an emptied database."""
    b = Builder()
    g60_counties = [(0, 20, "430121"), (20, 40, "431321")]
    g60_stakes = [float(k) for k in range(0, 41, 4)]
    b.route(
        "G60", "expressway", lat=27.50, stakes_km=g60_stakes, counties=g60_counties, oneway=True, interchanges=(20.0,)
    )
    b.route(
        "G60",
        "expressway",
        lat=27.501,
        stakes_km=g60_stakes,
        counties=g60_counties,
        oneway=True,
        reverse=True,
        interchanges=(20.0,),
    )
    g107 = b.route("G107", "national", lat=27.60, stakes_km=[float(k) for k in range(0, 61, 5)], counties=G107_COUNTIES)
    b.route("S312", "provincial", lat=27.70, stakes_km=[0.0, 5.0, 10.0, 15.0, 20.0], counties=[(0, 20, "431322")])
    with engine.begin() as conn:
        for adcode, name, level, parent in AREAS:
            conn.execute(
                sa.text(
                    "INSERT INTO admin_areas (adcode, name, level, parent_adcode, geom) VALUES (:a, :n, :l, :p, "
                    "ST_Multi(ST_MakeEnvelope(111.9, 27.4, 112.7, 27.8, 4326)))"
                ),
                {"a": adcode, "n": name, "l": level, "p": parent},
            )
        b.insert(conn)
        conn.execute(sa.text("SELECT setval('road_segments_id_seq', 1000), setval('road_nodes_id_seq', 1000)"))
        # X001 county road joining G107 at K30.
        x = b.node(_lon(30), 27.65)
        conn.execute(
            sa.text(
                "INSERT INTO road_nodes (id, geom) VALUES (:id, ST_SetSRID(ST_MakePoint(:lon, 27.65), 4326));"
                "INSERT INTO road_segments (road_class, route_code, oneway, default_speed_kmh, length_m, "
                "county_adcode, source_node, target_node, source, geom) VALUES ('county', 'X001', false, 40, 5000, "
                "'430181', :g, :id, 'test', ST_SetSRID(ST_MakeLine(ST_MakePoint(:lon, 27.60), "
                "ST_MakePoint(:lon, 27.65)), 4326))"
            ),
            {"id": x, "lon": _lon(30), "g": g107[30.0]},
        )
        for km in range(1, 40, 2):
            if km not in (15, 17):
                # Built under the plan (after 2017-05-22): the plan's point counts are construction.
                _facility(conn, "cameras", "G60", km, 27.50, kind="video", install_date=dt.date(2017, 6, 1))
        for km in (5, 12, 40):
            _facility(conn, "cameras", "G107", km, 27.60, kind="video")
        _facility(conn, "enforcement_stations", "G107", 15, 27.60)
        _facility(conn, "weather_stations", "G107", 20, 27.60, kind="visibility")
        conn.execute(
            sa.text(
                "INSERT INTO hazard_zones (kind, geom) VALUES "
                "('fog', ST_Multi(ST_MakeEnvelope(:a, 27.55, :b, 27.65, 4326))), "
                "('ice', ST_Multi(ST_MakeEnvelope(:c, 27.45, :d, 27.55, 4326)))"
            ),
            {"a": _lon(18), "b": _lon(28), "c": _lon(30), "d": _lon(34)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO interval_speed_sections (name, route_code, start_stake_m, end_stake_m, length_m, geom) "
                "VALUES ('G60 K2-K12', 'G60', 2000, 12000, 10000, "
                "ST_SetSRID(ST_MakeLine(ST_MakePoint(:a, 27.5), ST_MakePoint(:b, 27.5)), 4326))"
            ),
            {"a": _lon(2), "b": _lon(12)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO command_centres (name, level, adcode, geom) VALUES "
                "('长沙市公安交通指挥中心', 'city', '430100', ST_SetSRID(ST_MakePoint(112.1, 27.6), 4326)), "
                "('长沙县指挥室', 'county', '430121', ST_SetSRID(ST_MakePoint(112.15, 27.6), 4326))"
            )
        )
