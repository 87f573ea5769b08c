"""The web map's list (GET /api/layers/{layer}/features?near=lon,lat): nearest first, each
feature saying its straight-line distance and 町丁目, so the list says where things are."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import sql_value

HERE = (138.2985, 34.8390)  # beside 大富地域交流センター


def _page(client: TestClient, layer: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/api/layers/{layer}/features", params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_the_list_comes_nearest_first_with_distance_and_town(demo_url: str) -> None:
    client = TestClient(create_app())
    near = f"{HERE[0]},{HERE[1]}"
    first = _page(client, "facility", near=near, limit=20, properties="name,kind")
    found = first["features"]
    distances = [f["properties"]["distance_m"] for f in found]
    assert distances == sorted(distances) and distances[0] < 100
    nearest = found[0]
    metres = sql_value(
        demo_url,
        "SELECT round(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
        "::geography)) FROM facility WHERE id = %s",
        *HERE,
        nearest["id"],
    )
    assert nearest["properties"]["distance_m"] == metres
    town = sql_value(
        demo_url,
        "SELECT p.name FROM place p, facility f WHERE f.id = %s AND p.kind = 'town'"
        " ORDER BY ST_Distance(p.geom::geography, f.geom::geography) LIMIT 1",
        nearest["id"],
    )
    assert nearest["properties"]["town"] == town
    # Pages follow on: the next page starts where this one ended.
    second = _page(client, "facility", near=near, limit=20, offset=20, properties="name")
    assert second["features"][0]["properties"]["distance_m"] >= distances[-1]
    assert not {f["id"] for f in found} & {f["id"] for f in second["features"]}
    # Areas too (a hazard's flood area): the distance to its nearest edge, 0 inside.
    hazards = _page(client, "hazard", near=near, limit=5, properties="title")["features"]
    assert all(h["properties"]["distance_m"] >= 0 for h in hazards)
    # Filters still apply; without near, no distance is made up.
    shelters = _page(client, "facility", near=near, limit=5, kind="shelter")["features"]
    assert {f["properties"]["kind"] for f in shelters} == {"shelter"}
    assert "distance_m" not in _page(client, "facility", limit=1)["features"][0]["properties"]


def test_a_bad_place_is_refused_and_ogc_items_do_not_take_it(demo_url: str) -> None:
    client = TestClient(create_app())
    for bad in ("138.3", "138.3,34.8,1", "east,north", "200,34", "138.3,95", "nan,34"):
        answer = client.get("/api/layers/facility/features", params={"near": bad})
        assert answer.status_code == 400, bad
        assert answer.json()["detail_ja"]
    answer = client.get("/ogc/collections/facility/items", params={"near": "138.3,34.8"})
    assert answer.status_code == 400
