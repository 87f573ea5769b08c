"""Finding a place without the map: facilities by name, reading or address, districts by
name, typed every way people type them."""

from __future__ import annotations

from typing import Any

import pytest

from layers.places.search import normalise
from tests.conftest import new_client


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("焼津2丁目10番28号", "焼津2-10-28"),
        ("焼津二丁目十番", "焼津2-10"),
        ("静岡県焼津市焼津２－１０－２８", "焼津2-10-28"),
        ("焼津市本町一丁目", "本町1"),
        ("三ケ名1550番地", "三ケ名1550"),
    ],
)
def test_addresses_are_written_one_way(typed: str, address: str) -> None:
    assert normalise(typed).address == address


def test_hiragana_finds_katakana_readings() -> None:
    assert normalise("やいづ ちゅう").words == "ヤイヅ チュウ"


def _places(q: str, **params: Any) -> list[dict[str, Any]]:
    response = new_client().get("/api/places", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return [f["properties"] | {"lonlat": f["geometry"]["coordinates"]} for f in body["features"]]


def test_a_facility_is_found_by_name_reading_and_address(demo_url: str) -> None:
    by_name = _places("焼津中学校")
    assert by_name[0]["name"] == "焼津中学校" and by_name[0]["kind"] == "facility"
    # The school, its shelter and its tsunami building are one place, not three answers.
    assert {"school", "shelter"} <= set(by_name[0]["categories"])
    assert [p["name"] for p in by_name].count("焼津中学校") == 1
    assert _places("やいづちゅう")[0]["name"] == "焼津中学校"
    assert _places("焼津二丁目10番")[0]["name"] == "焼津中学校"
    lon, lat = by_name[0]["lonlat"]
    assert 138.2 < lon < 138.4 and 34.7 < lat < 34.95


def test_districts_are_found_by_name_and_exact_names_come_first(demo_url: str) -> None:
    found = _places("豊田第9自治会")
    assert found[0] == found[0] | {"kind": "district", "name": "豊田第9自治会"}
    assert len(_places("豊田", limit=3)) == 3


def test_nothing_found_is_an_empty_list_and_wildcards_are_literal(demo_url: str) -> None:
    assert _places("存在しない場所") == []
    assert _places("100%") == []
    assert _places("_") == []


@pytest.mark.parametrize("q", ["", "   ", "　"])
def test_an_empty_search_is_refused_in_both_languages(demo_url: str, q: str) -> None:
    response = new_client().get("/api/places", params={"q": q})
    assert response.status_code == 422
    assert "入力" in response.json()["detail_ja"] and "type a place" in response.json()["detail"]


def test_an_overlong_search_is_refused(demo_url: str) -> None:
    response = new_client().get("/api/places", params={"q": "x" * 101})
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("typed", ["焼津三丁目", "焼津3丁目", "やいづ3", "ヤイヅ３", "焼津３"])
def test_a_town_is_found_however_its_chome_is_written(demo_url: str, typed: str) -> None:
    found = _places(typed)
    assert found[0] | {"kind": "town", "name": "焼津三丁目"} == found[0], found[:3]
    # Geolonia's representative point of 焼津三丁目
    assert found[0]["lonlat"] == [138.31006, 34.862737]
    assert found[0]["detail"] == "ヤイヅ"  # the 大字's reading, from the city's own lists


def test_a_town_without_a_known_reading_is_found_by_name_only(demo_url: str) -> None:
    found = _places("中根新田")
    assert found[0]["kind"] == "town" and found[0]["detail"] is None
    assert _places("焼津")[0] == _places("焼津")[0] | {"kind": "town", "name": "焼津"}
