"""Hotspots computed exactly on points placed at known positions of plane rectangular zone
VIII (EPSG:6676, 焼津市's zone): which 250 m cell each falls in, which DBSCAN cluster it
joins, the date and kind filters, and what staff get through the API (counts, never a
reporter's contact)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy.orm import Session

from layers.planning import hotspots
from layers.store.db import libpq_url, make_engine
from tests.conftest import Person, make_person, new_client, signed_in

ZONE = 6676
# A cell corner of the 250 m grid: x = -16000 = -64 × 250, y = -125000 = -500 × 250.
X0, Y0 = -16000.0, -125000.0
TZ = "Asia/Tokyo"


def at(dx: float, dy: float) -> str:
    return f"ST_Transform(ST_SetSRID(ST_MakePoint({X0 + dx}, {Y0 + dy}), {ZONE}), 4326)"


@dataclass
class City:
    url: str
    ids: dict[str, int]
    staff: Person


@pytest.fixture
def city(db_url: str, no_rate_limits: None) -> City:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(db_url)) as conn:

        def one(name: str, sql: str, *args: object) -> None:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[name] = int(row[0])

        one(
            "block",
            "INSERT INTO district (level, code, name, geom) VALUES ('block', 'B1', '本町一丁目', "
            f"ST_Multi(ST_MakeEnvelope(ST_X({at(0, 0)}), ST_Y({at(0, 0)}), "
            f"ST_X({at(250, 250)}), ST_Y({at(250, 250)}), 4326))) RETURNING id",
        )
        one(
            "road",
            "INSERT INTO report_category (code, name_ja, name_en, icon) "
            "VALUES ('road', '道路', 'Road', 'road') RETURNING id",
        )
        one(
            "light",
            "INSERT INTO report_category (code, name_ja, name_en, icon) "
            "VALUES ('light', '防犯灯', 'Light', 'light') RETURNING id",
        )

        def hazard(name: str, kind: str, geom: str, observed: str) -> None:
            one(
                name,
                "INSERT INTO hazard (kind, title, geom, observed_at) "
                f"VALUES (%s, %s, {geom}, CAST(%s AS timestamptz)) RETURNING id",
                kind,
                name,
                observed,
            )

        def report(name: str, category: str, geom: str, created: str, **extra: Any) -> None:
            one(
                name,
                "INSERT INTO report (public_id, tracking_token_hash, category_id, description,"
                " geom, created_at, status, duplicate_of_id) VALUES (%s, 'x', %s, '穴',"
                f" {geom}, CAST(%s AS timestamptz), %s, %s) RETURNING id",
                name,
                ids[category],
                created,
                extra.get("status", "submitted"),
                extra.get("duplicate_of"),
            )

        # Cell (-64, -500): three hazards and a report; a chain 30 m apart (one cluster).
        hazard("h1", "road_damage", at(10, 10), "2025-04-01T10:00+09:00")
        hazard("h2", "road_damage", at(40, 10), "2025-04-02T10:00+09:00")
        hazard("h3", "blind_corner", at(70, 10), "2025-05-10T10:00+09:00")
        report("r1", "road", at(100, 10), "2025-04-03T10:00+09:00")
        # Its duplicate, at the same place: never counted.
        report(
            "r_dup",
            "road",
            at(101, 10),
            "2025-04-04T10:00+09:00",
            status="closed_duplicate",
            duplicate_of=ids["r1"],
        )
        # Cell (-63, -500), 1 km east of the chain: two reports 20 m apart.
        report("r2", "light", at(1010, 20), "2025-04-05T10:00+09:00")
        report("r3", "light", at(1030, 20), "2025-04-06T23:30+09:00")
        # Cell (-64, -499): a flood area 100 m × 100 m, counted once at a point inside it.
        hazard(
            "flood",
            "flood_history",
            "ST_Multi(ST_MakeEnvelope("
            f"ST_X({at(20, 270)}), ST_Y({at(20, 270)}), "
            f"ST_X({at(120, 370)}), ST_Y({at(120, 370)}), 4326))",
            "2024-09-01T10:00+09:00",
        )
    # A contact that must never reach the hotspot answers.
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute(
            b"INSERT INTO report_contact (report_id, email, name) VALUES (%s, %s, %s)",
            (ids["r1"], "hidden@example.jp", "通報者 花子"),
        )
    staff = make_person("kanri@example.jp", "staff", department="assets")
    return City(db_url, ids, staff)


def read(c: City, what: str, filters: hotspots.Filters, **kw: Any) -> dict[str, Any]:
    engine = make_engine(c.url)
    try:
        with Session(engine) as db:
            if what == "cells":
                return hotspots.cells(db, filters, cell_m=kw.get("cell_m", 250.0), tz=TZ)
            return hotspots.clusters(
                db, filters, eps_m=kw.get("eps_m", 35.0), min_points=kw.get("min_points", 3), tz=TZ
            )
    finally:
        engine.dispose()


def cell_counts(found: dict[str, Any]) -> list[tuple[int, int, int, int, int]]:
    return [
        (p["i"], p["j"], p["count"], p["hazards"], p["reports"])
        for p in (f["properties"] for f in found["features"])
    ]


def test_each_point_counts_once_in_its_250_m_cell(city: City) -> None:
    found = read(city, "cells", hotspots.Filters())
    assert cell_counts(found) == [
        (-64, -500, 4, 3, 1),  # the duplicate report is not counted
        (-60, -500, 2, 0, 2),
        (-64, -499, 1, 1, 0),  # the flood area: one hazard, at a point inside it
    ]
    first = found["features"][0]
    assert first["properties"]["place"] == "本町一丁目"
    assert first["properties"]["rank"] == 1
    # The cell is the zone's square, drawn in CRS84.
    ring = first["geometry"]["coordinates"][0]
    assert first["geometry"]["type"] == "Polygon" and len(ring) == 5
    engine = make_engine(city.url)
    try:
        with engine.connect() as conn:
            from sqlalchemy import text

            corners = conn.execute(
                text(
                    "SELECT round(ST_XMin(g)), round(ST_YMin(g)), round(ST_XMax(g)),"
                    " round(ST_YMax(g)) FROM (SELECT ST_Transform(ST_SetSRID("
                    "ST_GeomFromGeoJSON(:g), 4326), 6676) AS g) s"
                ),
                {"g": __import__("json").dumps(first["geometry"])},
            ).one()
    finally:
        engine.dispose()
    assert tuple(corners) == (X0, Y0, X0 + 250, Y0 + 250)


def test_filters_by_source_kind_category_and_city_date(city: City) -> None:
    reports = read(city, "cells", hotspots.Filters(sources=("reports",)))
    assert cell_counts(reports) == [(-60, -500, 2, 0, 2), (-64, -500, 1, 0, 1)]
    roads = read(
        city, "cells", hotspots.Filters(hazard_kinds=("road_damage",), sources=("hazards",))
    )
    assert cell_counts(roads) == [(-64, -500, 2, 2, 0)]
    lights = read(city, "cells", hotspots.Filters(categories=("light",), sources=("reports",)))
    assert cell_counts(lights) == [(-60, -500, 2, 0, 2)]
    # Dates are the city's: r3 at 23:30 JST on 6 April is 14:30 UTC, still the 6th.
    april = read(city, "cells", hotspots.Filters(start=date(2025, 4, 3), end=date(2025, 4, 6)))
    assert cell_counts(april) == [(-60, -500, 2, 0, 2), (-64, -500, 1, 0, 1)]
    assert read(city, "cells", hotspots.Filters(start=date(2026, 1, 1)))["features"] == []


def test_dbscan_clusters_chain_points_within_eps(city: City) -> None:
    ids = city.ids
    found = read(city, "clusters", hotspots.Filters(), eps_m=35.0, min_points=3)
    # h1-h2-h3-r1 are 30 m apart: one chain; r2-r3 are two points, under min_points.
    assert [f["properties"]["members"] for f in found["features"]] == [
        [f"hazard:{ids['h1']}", f"hazard:{ids['h2']}", f"hazard:{ids['h3']}", f"report:{ids['r1']}"]
    ]
    chain = found["features"][0]
    assert chain["properties"]["count"] == 4
    assert chain["properties"]["place"] == "本町一丁目"
    # The four points lie on a line: the outline is the line widened into a polygon.
    assert chain["geometry"]["type"] == "Polygon"
    pairs = read(city, "clusters", hotspots.Filters(), eps_m=35.0, min_points=2)
    assert [f["properties"]["count"] for f in pairs["features"]] == [4, 2]
    assert pairs["features"][1]["properties"]["members"] == [
        f"report:{ids['r2']}",
        f"report:{ids['r3']}",
    ]
    # A smaller eps breaks the chain (30 m gaps are more than 25 m); the pair 20 m apart holds.
    smaller = read(city, "clusters", hotspots.Filters(), eps_m=25.0, min_points=2)
    assert [f["properties"]["count"] for f in smaller["features"]] == [2]


def test_staff_get_geojson_without_contacts_and_bad_input_is_refused(city: City) -> None:
    client = signed_in(city.staff)
    cells = client.get("/api/planning/hotspots/cells")
    assert cells.status_code == 200, cells.text
    assert cells.headers["content-type"].startswith("application/geo+json")
    assert [f["properties"]["count"] for f in cells.json()["features"]] == [4, 2, 1]
    clusters = client.get("/api/planning/hotspots/clusters?eps_m=35&min_points=2")
    assert [f["properties"]["count"] for f in clusters.json()["features"]] == [4, 2]
    for answer in (cells, clusters):
        assert "hidden@example.jp" not in answer.text and "花子" not in answer.text
    for bad in (
        "/api/planning/hotspots/cells?start=2025-05-01&end=2025-04-01",
        "/api/planning/hotspots/cells?hazard_kind=volcano",
        "/api/planning/hotspots/cells?category=nothing_like_it",
        "/api/planning/hotspots/clusters?eps_m=-1",
        "/api/planning/hotspots/clusters?min_points=0",
        "/api/planning/hotspots/cells?source=rumours",
    ):
        answer = client.get(bad)
        assert 400 <= answer.status_code < 500, (bad, answer.status_code)
        assert "application/problem+json" in answer.headers["content-type"]
    assert new_client().get("/api/planning/hotspots/cells").status_code in (401, 403)
