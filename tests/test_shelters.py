"""「近くの避難所」: the nearest sites designated for a disaster, one entry per place."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from layers.city import shelters
from layers.city.facilities import DisasterType
from layers.store.db import session_scope

OTOMI = (138.2985, 34.8390)  # beside 大富地域交流センター


def _nearest(client: TestClient, **params: object) -> list[dict[str, Any]]:
    answer = client.get(
        "/api/shelters/nearest", params={"lon": OTOMI[0], "lat": OTOMI[1], **params}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    features: list[dict[str, Any]] = answer.json()["features"]
    return features


def test_the_nearest_flood_sites_come_nearest_first_one_per_place(demo_url: str) -> None:
    client = TestClient(create_app())
    found = _nearest(client, disaster="flood", limit=5)
    assert len(found) == 5
    distances = [f["properties"]["distance_m"] for f in found]
    assert distances == sorted(distances) and distances[0] < 200
    sites = [f["properties"]["site_id"] for f in found]
    assert len(set(sites)) == len(sites)
    for f in found:
        props = f["properties"]
        assert "flood" in props["disaster_types"]
    centre = next(f for f in found if f["properties"]["name"] == "大富地域交流センター")
    roles = set(centre["properties"]["roles"])
    assert {"community_center", "shelter", "sandbag_station"} <= roles
    # Its distance is the database's, to the nearest record of the place.
    with session_scope() as db:
        metres = db.execute(
            text(
                "SELECT min(ST_Distance(geom::geography, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)) FROM facility "
                "WHERE site_id = :site AND kind IN ('shelter', 'evacuation_site')"
            ),
            {"lon": OTOMI[0], "lat": OTOMI[1], "site": centre["properties"]["site_id"]},
        ).scalar_one()
    assert abs(metres - centre["properties"]["distance_m"]) <= 1


def test_a_tsunami_building_counts_for_tsunamis_only(demo_url: str) -> None:
    with session_scope() as db:
        tsunami = {r["kind"] for r in shelters.designated(db, DisasterType.tsunami)}
        flood = {r["kind"] for r in shelters.designated(db, DisasterType.flood)}
    assert "tsunami_evacuation_building" in tsunami
    assert "tsunami_evacuation_building" not in flood
    client = TestClient(create_app())
    for f in _nearest(client, disaster="landslide", limit=3):
        assert "landslide" in f["properties"]["disaster_types"]


def test_a_place_outside_the_world_or_an_unknown_disaster_is_refused(demo_url: str) -> None:
    client = TestClient(create_app())
    for params in ({"lon": 200, "lat": 34.8}, {"lon": 138.3, "lat": 34.8, "disaster": "meteor"}):
        answer = client.get("/api/shelters/nearest", params=params)
        assert answer.status_code in (400, 422)
        problem = answer.json()
        assert problem["detail"] and problem["detail_ja"]
