"""Places are labelled by their common names (长沙, 湘西州, 浏阳), not by the seat's 长沙市人民政府: the
label the database generates (migration 032), the style that draws it, and search by either name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import module_data


def _areas(engine) -> None:
    """Two cities, a prefecture and counties as squares, each with its seat named as the demo names them."""
    areas = [
        ("430100", "长沙市", "city", 112.5, 28.0),
        ("430121", "长沙县", "county", 113.0, 28.2),
        ("430181", "浏阳市", "county", 113.5, 28.1),
        ("433100", "湘西土家族苗族自治州", "city", 109.7, 28.3),
        ("430529", "城步苗族自治县", "county", 110.3, 26.4),
        ("430223", "攸县", "county", 113.3, 27.0),
    ]
    with engine.begin() as conn:
        for adcode, name, level, lon, lat in areas:
            conn.execute(
                sa.text(
                    "INSERT INTO admin_areas (adcode, name, level, geom) VALUES (:adcode, :name, :level, "
                    "ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0.1)))"
                ),
                {"adcode": adcode, "name": name, "level": level, "lon": lon, "lat": lat},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO admin_seats (name, adcode, level, geom) VALUES (:name, :adcode, :level, "
                    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
                ),
                {"adcode": adcode, "name": f"{name}人民政府", "level": level, "lon": lon, "lat": lat},
            )


areas = module_data(_areas, name="areas")


@pytest.mark.parametrize(
    ("name", "level", "label"),
    [
        ("湖南省人民政府", "province", "湖南"),
        ("湖南省", "province", "湖南"),
        ("广西壮族自治区", "province", "广西"),
        ("重庆市", "province", "重庆"),
        ("长沙市人民政府", "city", "长沙"),
        ("张家界市", "city", "张家界"),
        ("湘西土家族苗族自治州", "city", "湘西州"),
        ("湘西土家族苗族自治州人民政府", "city", "湘西州"),
        ("黔东南苗族侗族自治州", "city", "黔东南州"),
        ("浏阳市", "county", "浏阳"),
        ("津市市", "county", "津市"),
        ("冷水江市", "county", "冷水江"),
        ("城步苗族自治县", "county", "城步县"),
        ("靖州苗族侗族自治县", "county", "靖州县"),
        ("长沙县", "county", "长沙县"),  # not 长沙: that is the city
        ("攸县", "county", "攸县"),
        ("芙蓉区", "county", "芙蓉区"),
        ("某某族自治县", "county", "某某族自治县"),  # an ethnic name the rule does not know: whole
    ],
)
def test_the_common_name_of_a_place(engine, name, level, label):
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT daoan_place_label(:n, :l)"), {"n": name, "l": level}).scalar() == label


def test_areas_and_seats_carry_their_label_generated_from_the_name(client):
    areas = client.get("/collections/admin_areas/items?limit=20").get_json()["features"]
    assert {f["properties"]["name"]: f["properties"]["label"] for f in areas} == {
        "长沙市": "长沙",
        "长沙县": "长沙县",
        "浏阳市": "浏阳",
        "湘西土家族苗族自治州": "湘西州",
        "城步苗族自治县": "城步县",
        "攸县": "攸县",
    }
    seats = client.get("/collections/admin_seats/items?limit=20").get_json()["features"]
    labels = {f["properties"]["name"]: f["properties"]["label"] for f in seats}
    assert labels["长沙市人民政府"] == "长沙" and labels["湘西土家族苗族自治州人民政府"] == "湘西州"
    # The tiles carry it for the style.
    fields = client.get("/tiles/admin_seats,admin_areas.json").get_json()["vector_layers"]
    assert all("label" in layer["fields"] for layer in fields)


def test_the_style_labels_places_by_their_common_name_and_not_the_provinces_seat(client):
    style = client.get("/styles/daoan.json").get_json()
    seats = {layer["id"]: layer for layer in style["layers"] if layer.get("source-layer") == "admin_seats"}
    place = seats["admin-labels"]
    assert "admin_seats-label" not in seats  # one name per seat: not the seat's full name beside it too
    assert place["layout"]["text-field"][:2] == ["coalesce", ["get", "label"]]
    assert place["filter"] == ["!=", ["get", "level"], "province"]


def test_search_finds_a_place_by_its_name_or_its_common_name(client):
    names = [f["properties"]["name"] for f in client.get("/search?q=长沙").get_json()["places"]["features"]]
    assert names == ["长沙市", "长沙县"]  # the city first
    names = [f["properties"]["name"] for f in client.get("/search?q=湘西州").get_json()["places"]["features"]]
    assert names == ["湘西土家族苗族自治州"]
    names = [f["properties"]["name"] for f in client.get("/search?q=浏阳").get_json()["places"]["features"]]
    assert names == ["浏阳市"]
