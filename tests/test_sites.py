"""One place, its roles: facility records of the same name within 100 m share a site_id
(migration 0012), so the map shows 大富地域交流センター once with its roles."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app


def _add(engine: Engine, kind: str, name: str, lon: float, lat: float) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "INSERT INTO facility (kind, name, geom) VALUES (:kind, :name, "
                    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
                ),
                {"kind": kind, "name": name, "lon": lon, "lat": lat},
            ).scalar_one()
        )


def _site(engine: Engine, facility_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT site_id FROM facility WHERE id = :id"), {"id": facility_id}
            ).scalar_one()
        )


def test_records_of_one_name_close_together_share_a_site(engine: Engine) -> None:
    centre = _add(engine, "community_center", "港 地域交流センター", 138.3182, 34.8676)
    # Full-width letters and spaces written differently are the same name (NFKC).
    shelter = _add(engine, "shelter", "港地域交流センター", 138.3183, 34.8677)
    aed = _add(engine, "aed", "港　地域交流センター", 138.3185, 34.8676)
    # Same name, 2 km away: another place (two parks of one name are two parks).
    elsewhere = _add(engine, "shelter", "港地域交流センター", 138.3400, 34.8676)
    other = _add(engine, "aed", "港公民館", 138.3182, 34.8676)
    assert _site(engine, centre) == centre
    assert _site(engine, shelter) == _site(engine, aed) == centre
    assert _site(engine, elsewhere) == elsewhere
    assert _site(engine, other) == other


def test_a_record_moved_or_renamed_finds_its_place_again(engine: Engine) -> None:
    centre = _add(engine, "community_center", "豊田地域交流センター", 138.2780, 34.8830)
    away = _add(engine, "shelter", "豊田地域交流センター", 138.3000, 34.8830)
    assert _site(engine, away) == away
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE facility SET geom = ST_SetSRID(ST_MakePoint(138.2781, 34.8830), 4326) "
                "WHERE id = :id"
            ),
            {"id": away},
        )
    assert _site(engine, away) == centre
    with engine.begin() as conn:
        conn.execute(text("UPDATE facility SET name = '豊田体育館' WHERE id = :id"), {"id": away})
    assert _site(engine, away) == away


def test_the_demo_centre_is_one_site_with_four_roles(demo_url: str) -> None:
    client = TestClient(create_app())
    found = client.get(
        "/api/layers/facility/features",
        params={"filter": "name = '大富地域交流センター'", "filter-lang": "cql2-text"},
    ).json()["features"]
    sites = {f["properties"]["site_id"] for f in found}
    assert len(sites) == 1
    kinds: set[Any] = {f["properties"]["kind"] for f in found}
    assert {"community_center", "shelter", "sandbag_station", "aed"} <= kinds
    # The residents' map leaves bookkeeping fields off the card; open data keeps them.
    facility = next(
        layer for layer in client.get("/api/layers").json()["layers"] if layer["id"] == "facility"
    )
    hidden = {p["name"] for p in facility["properties"] if not p["resident"]}
    assert {"site_id", "source_id", "cost_category", "built_year"} <= hidden
