"""A point in words (GET /api/places/describe), the gazetteer it reads (町丁目 loaded from
Geolonia's list or a CSV, by the demo and by `machimap places load`), and the LATERAL
builder other queries use to name each row's town."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from layers.places.describe import compass, nearest_town_join, rounded_metres
from layers.schema import migrate
from layers.store.db import libpq_url
from layers.store.refusals import Refused
from tests.conftest import new_client, sql_value

# 大富地域交流センター (community_center.csv: 静岡県焼津市中根新田93-1)
OTOMI = (138.2983771, 34.83828021)
METRES_PER_DEG_LAT = 111_000


def _describe(lon: float, lat: float, client: Any = None) -> dict[str, Any]:
    answer = (client or new_client()).get("/api/places/describe", params={"lon": lon, "lat": lat})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_point_north_of_otomi_is_in_its_town_and_north_of_the_centre(demo_url: str) -> None:
    lon, lat = OTOMI[0], OTOMI[1] + 120 / METRES_PER_DEG_LAT
    described = _describe(lon, lat)
    nearest_town = sql_value(
        demo_url,
        "SELECT name FROM place ORDER BY geom::geography <-> "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography LIMIT 1",
        lon,
        lat,
    )
    # The centre's address is 中根新田, but 中根's representative point is nearer: a point
    # is named by the nearest point, which is what residents nearby are told.
    assert described["town"]["name"] == nearest_town == "中根"
    place = described["place"]
    # Another public place may be nearer than the centre; whichever it is, it is within
    # 120 m and the answer is measured, rounded to tens, from it to the point.
    assert place["name"] and place["kind"] and 0 < place["distance_m"] <= 120
    assert place["distance_m"] % 10 == 0
    if place["name"] == "大富地域交流センター":
        assert place["direction"] == "n" and place["distance_m"] == 120
        assert place["name_kana"] == "オオトミチイキコウリュウセンター"


def test_directions_are_from_the_place_to_the_point(demo_url: str) -> None:
    centre = _describe(*OTOMI)["place"]
    assert centre["name"] == "大富地域交流センター" and centre["direction"] is None
    assert centre["distance_m"] < 15
    per_deg_lon = METRES_PER_DEG_LAT * math.cos(math.radians(OTOMI[1]))
    seen = set()
    for east_m, north_m in ((200, 0), (-150, -150), (0, -300), (-250, 100), (120, 120)):
        lon, lat = OTOMI[0] + east_m / per_deg_lon, OTOMI[1] + north_m / METRES_PER_DEG_LAT
        place = _describe(lon, lat)["place"]
        dx = (lon - place["lon"]) * per_deg_lon
        dy = (lat - place["lat"]) * METRES_PER_DEG_LAT
        assert place["direction"] == compass(math.degrees(math.atan2(dx, dy))), place
        assert abs(place["distance_m"] - math.hypot(dx, dy)) <= 10, place
        seen.add(place["direction"])
    assert len(seen) >= 3  # the points lie on different sides, not all on one


def test_far_from_anything_named_gives_nulls(demo_url: str) -> None:
    # Out at sea off 焼津漁港: no town (outside the city) and no place within 1 km.
    assert _describe(138.36, 34.86) | {"town": None, "place": None} == _describe(138.36, 34.86)
    # Outside Japan entirely: the same, not an error.
    assert _describe(0.0, 0.0)["town"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"lon": 181, "lat": 34.8},
        {"lon": 138.3, "lat": -91},
        {"lon": "nan", "lat": 34.8},
        {"lon": "東", "lat": 34.8},
        {"lat": 34.8},
    ],
)
def test_out_of_range_points_are_a_problem_in_both_languages(
    demo_url: str, params: dict[str, Any]
) -> None:
    # 400 naming the parameter, as every query parameter of the API is refused
    answer = new_client().get("/api/places/describe", params=params)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "query.lon" in problem["detail"] or "query.lat" in problem["detail"]
    assert "入力に誤り" in problem["detail_ja"]


def test_rounding_and_compass_points() -> None:
    assert [rounded_metres(d) for d in (4, 118, 299, 312, 987)] == [0, 120, 300, 300, 1000]
    assert [compass(a) for a in (0, 22, 23, 90, 180, 225, 300, 359)] == [
        "n",
        "n",
        "ne",
        "e",
        "s",
        "sw",
        "nw",
        "n",
    ]


def test_the_nearest_town_join_names_each_rows_town(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.name, town.name AS town, town.name_kana FROM facility f "
                f"{nearest_town_join('f.geom')} WHERE f.name = '大富地域交流センター'"
            )
        ).all()
        empty = conn.execute(
            text(
                "SELECT town.name FROM (SELECT ST_SetSRID(ST_MakePoint(0, 0), 4326) AS g) p "
                f"{nearest_town_join('p.g', alias='town')} WHERE false"
            )
        ).all()
    assert rows and {r.town for r in rows} == {"中根"}
    assert empty == []


# --- the gazetteer ----------------------------------------------------------------------


def test_the_demo_ships_the_citys_towns_with_their_credit(demo_url: str) -> None:
    # 141 entries, one of them a 小字 (下江留 中) of a town listed itself
    assert sql_value(demo_url, "SELECT count(*) FROM place WHERE kind = 'town'") == 140
    assert sql_value(demo_url, "SELECT DISTINCT attribution FROM place") == "Geolonia 住所データ"
    assert sql_value(demo_url, "SELECT kana_key FROM place WHERE name = '焼津三丁目'") == "ヤイヅ3"


def test_a_city_loads_its_own_towns_from_csv_and_a_reload_replaces_them(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    towns = tmp_path / "静岡市の町丁目.csv"
    towns.write_text(
        "name,lat,lon,kana\n呉服町一丁目,34.9745,138.3871,ゴフクチョウ\n紺屋町,34.9725,138.3865,\n",
        encoding="utf-8",
    )
    result = cli.invoke(
        app, ["places", "load", str(towns), "--source", "shizuoka", "--attribution", "静岡市"]
    )
    assert result.exit_code == 0, result.output
    assert "2 places" in result.output
    found = new_client().get("/api/places", params={"q": "ごふくちょう1"}).json()["features"]
    assert [f["properties"]["name"] for f in found] == ["呉服町一丁目"]
    assert _describe(138.3866, 34.9726)["town"] == {"name": "紺屋町", "name_kana": None}

    towns.write_text("name,lat,lon\n紺屋町,34.9726,138.3866\n", encoding="utf-8")
    result = cli.invoke(
        app, ["places", "load", str(towns), "--source", "shizuoka", "--attribution", "静岡市"]
    )
    assert result.exit_code == 0, result.output
    assert sql_value(db_url, "SELECT array_agg(name) FROM place") == ["紺屋町"]


def test_geolonia_json_loads_with_its_credit_by_default(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    towns = tmp_path / "towns.json"
    towns.write_text(
        '[{"town":"焼津一丁目","koaza":"","lat":34.86,"lng":138.31},'
        '{"town":"焼津一丁目","koaza":"北","lat":34.87,"lng":138.31}]',
        encoding="utf-8",
    )
    readings = tmp_path / "readings.csv"
    readings.write_text("name,kana\n焼津,やいづ\n", encoding="utf-8")
    result = cli.invoke(app, ["places", "load", str(towns), "--readings", str(readings)])
    assert result.exit_code == 0, result.output
    assert sql_value(db_url, "SELECT attribution FROM place") == "Geolonia 住所データ"
    assert sql_value(db_url, "SELECT kana_key FROM place") == "ヤイヅ1"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,lat,lon\n焼津,north,138.3\n", "line 2: lat/lon not numbers"),
        ("name,lat,lon\n焼津,34.8,138.3\n,34.8,138.3\n", "line 3: the name is empty"),
        ("name,lat,lon\n焼津,134.8,138.3\n", "line 2: lat/lon out of range"),
        ("名前,緯度,経度\n焼津,34.8,138.3\n", "line 1 must name the columns"),
        ("name,lat,lon\n", "holds no places"),
    ],
)
def test_a_bad_list_is_refused_naming_the_line_and_loads_nothing(
    db_url: str, tmp_path: Path, cli: CliRunner, content: str, message: str
) -> None:
    bad = tmp_path / "towns.csv"
    bad.write_text(content, encoding="utf-8")
    result = cli.invoke(app, ["places", "load", str(bad), "--attribution", "x"])
    assert result.exit_code == 1
    assert message in result.output and "エラー" in result.output
    assert sql_value(db_url, "SELECT count(*) FROM place") == 0


def test_undoing_the_gazetteer_names_the_towns_lost(demo_url: str) -> None:
    # What later migrations added to the demo (its maps' details, roads, green spaces) are
    # losses of their own; this counts the towns alone.
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute("DELETE FROM attachment WHERE subject_layer = 'safety_map_feature'")
        conn.execute("DELETE FROM safety_map")
        conn.execute("DELETE FROM road; DELETE FROM green_space")
        conn.execute("DELETE FROM school_route_site")  # issue 17's demo sites
        # The demo's walks with their tracks, and the group sharing its coverage (0015).
        conn.execute("DELETE FROM patrol; UPDATE community_group SET share_coverage = false")
        # The demo's register, play equipment and inspections (0017).
        conn.execute("DELETE FROM inspection; DELETE FROM facility_building")
        conn.execute("DELETE FROM facility WHERE kind = 'play_equipment'")
        conn.execute(
            "UPDATE facility SET kind = 'other' WHERE kind IN ('fire_station', 'health_center')"
        )
        conn.execute("DELETE FROM population_unit")  # the towns' people (0018)
    with pytest.raises(Refused) as refused:
        migrate.downgrade(demo_url, "0010")
    assert "place: 140 rows" in refused.value.message_en
    done = migrate.downgrade(demo_url, "0010", force=True)
    assert {c.loss.what: c.count for c in done.lost} == {"place": 140}
    migrate.upgrade(demo_url)
    assert sql_value(demo_url, "SELECT count(*) FROM place") == 0
    assert (
        new_client().get("/api/places/describe", params={"lon": 138.3, "lat": 34.86}).json()["town"]
        is None
    )
