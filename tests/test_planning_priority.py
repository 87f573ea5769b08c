"""The renewal priority ranking computed exactly on a small constructed city (zone VIII,
base year 2026, default weights: condition 30, seismic 25, age 15, exposure 15, use 15):

    C1 住民センター (0, 0), inside a 浸水履歴 area; C2 公民館 (2000, 0); SCH 小学校 (1000, 1000)
    U1 (300, 400) 1000 people -> C1; U2 (1500, 0) 500 people -> C2 (C1 is 1500 m away)

    b1 C1 本館 1970 pre_1981, latest 12条 (2025) roof C, wall D, interior C, electrical B,
       mechanical B (an older all-A one is ignored):
       健全度 (40×5.1 + 10×17.2 + 40×22.4 + 75×8.0 + 75×7.3) / 60 = 2419.5 / 60 = 40.325
       condition 59.7, seismic 100, age 56/60 = 93.3, exposure 100, use 1000/1000 = 100
       total (59.7×30 + 100×25 + 93.3×15 + 100×15 + 100×15) / 100 = 86.9
    b2 C2 本館 1990 post_1981, never inspected: condition 50 (unknown), seismic 0,
       age 36/60 = 60, exposure 0, use 500/1000 = 50; total (1500 + 900 + 750) / 100 = 31.5
    b3 SCH 校舎 1978 seismic unknown (before 1981: 旧耐震), 12条 on the facility with only an
       overall C: condition 60, seismic 100, age 48/60 = 80, exposure 0, use — (a school);
       total (1800 + 2500 + 1200) / 85 = 64.7
    b4 SCH 屋内運動場 1985 post_1981, all A: condition 0, age 41/60 = 68.3;
       total 68.3×15 / 85 = 12.1
    b6 C2 倉庫: no year, seismic unknown: condition, seismic and age 50 (unknown),
       use 50; total (1500 + 1250 + 750 + 750) / 100 = 42.5
    b5 C1 旧館: not in use, not ranked."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.orm import Session

from layers.planning import priority
from layers.store.db import libpq_url, make_engine
from tests.conftest import Person, make_person, new_client, signed_in

X0, Y0 = -16_000.0, -125_000.0  # near 焼津 in zone VIII (EPSG 6676)
PARTS = ("roof", "exterior_wall", "interior", "electrical", "mechanical")


def plane(x: float, y: float) -> str:
    return f"ST_Transform(ST_SetSRID(ST_MakePoint({X0 + x}, {Y0 + y}), 6676), 4326)"


@dataclass
class Town:
    url: str
    ids: dict[str, int]
    staff: Person


@pytest.fixture
def town(db_url: str, no_rate_limits: None) -> Town:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(db_url)) as conn:

        def one(key: str, sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[key] = int(row[0])
            return ids[key]

        one(
            "D1",
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'A', '本町地区', "
            f"ST_Multi(ST_Buffer({plane(1000, 1000)}, 0.002))) RETURNING id",
        )
        one(
            "N1",
            "INSERT INTO district (level, code, name, geom, parent_id) VALUES ('neighbourhood',"
            f" 'N1', '本町北自治会', ST_Multi(ST_Buffer({plane(1000, 1000)}, 0.001)), %s)"
            " RETURNING id",
            ids["D1"],
        )
        one(
            "flood",
            "INSERT INTO hazard (kind, title, geom) VALUES ('flood_history', '浸水履歴 本町', "
            f"ST_Multi(ST_Buffer({plane(0, 0)}, 0.0005))) RETURNING id",
        )
        for key, kind, name, x, y in (
            ("C1", "community_center", "本町住民センター", 0, 0),
            ("C2", "kominkan", "港公民館", 2000, 0),
            ("SCH", "school", "本町小学校", 1000, 1000),
        ):
            one(
                key,
                f"INSERT INTO facility (kind, name, geom) VALUES (%s, %s, {plane(x, y)}) "
                "RETURNING id",
                kind,
                name,
            )
        for key, x, y, people in (("U1", 300, 400, 1000), ("U2", 1500, 0, 500)):
            one(
                key,
                "INSERT INTO population_unit (level, code, name, population, source, geom) "
                f"VALUES ('town', %s, %s, %s, 'test', {plane(x, y)}) RETURNING id",
                key,
                key,
                people,
            )
        for key, of, name, year, seismic, in_use in (
            ("b1", "C1", "本館", 1970, "pre_1981", True),
            ("b2", "C2", "本館", 1990, "post_1981", True),
            ("b3", "SCH", "校舎", 1978, "unknown", True),
            ("b4", "SCH", "屋内運動場", 1985, "post_1981", True),
            ("b5", "C1", "旧館", 1950, "pre_1981", False),
            ("b6", "C2", "倉庫", None, "unknown", True),
        ):
            one(
                key,
                "INSERT INTO facility_building (facility_id, name, built_year, seismic_standard,"
                " in_use) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                ids[of],
                name,
                year,
                seismic,
                in_use,
            )

        def inspect(layer: str, subject: str, on: str, overall: str, grades: str = "") -> None:
            inspection = one(
                f"{subject}/{on}",
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on,"
                " overall_grade) VALUES (%s, %s, 'building_article12', %s, %s) RETURNING id",
                layer,
                ids[subject],
                on,
                overall,
            )
            for part, grade in zip(PARTS, grades, strict=False):
                conn.execute(
                    b"INSERT INTO inspection_part_grade (inspection_id, part, grade) "
                    b"VALUES (%s, %s, %s)",
                    (inspection, part, grade),
                )

        inspect("facility_building", "b1", "2022-05-01", "A", "AAAAA")
        inspect("facility_building", "b1", "2025-06-01", "D", "CDCBB")
        # On the facility, older: the building's own later one counts for b1.
        inspect("facility", "C1", "2021-01-01", "A")
        inspect("facility", "SCH", "2024-07-01", "C")
        inspect("facility_building", "b4", "2025-01-10", "A", "AAAAA")
    staff = make_person("kanri@example.jp", "staff", department="assets")
    return Town(db_url, ids, staff)


def ranked(town: Town) -> list[priority.PriorityRow]:
    engine = make_engine(town.url)
    try:
        with Session(engine) as db:
            return priority.ranking(db, 2026)
    finally:
        engine.dispose()


def scores(row: priority.PriorityRow) -> dict[str, float | None]:
    return {p.code: p.score for p in row.parts}


def test_buildings_rank_by_the_weighted_parts_exactly(town: Town) -> None:
    rows = ranked(town)
    ids = town.ids
    assert [(r.rank, r.building_id, r.total) for r in rows] == [
        (1, ids["b1"], 86.9),
        (2, ids["b3"], 64.7),
        (3, ids["b6"], 42.5),
        (4, ids["b2"], 31.5),
        (5, ids["b4"], 12.1),
    ]
    by_id = {r.building_id: r for r in rows}
    assert scores(by_id[ids["b1"]]) == {
        "condition": 59.7,
        "seismic": 100.0,
        "age": 93.3,
        "exposure": 100.0,
        "use": 100.0,
    }
    assert scores(by_id[ids["b2"]]) == {
        "condition": 50.0,
        "seismic": 0.0,
        "age": 60.0,
        "exposure": 0.0,
        "use": 50.0,
    }
    assert scores(by_id[ids["b3"]]) == {
        "condition": 60.0,
        "seismic": 100.0,
        "age": 80.0,
        "exposure": 0.0,
        "use": None,
    }
    assert scores(by_id[ids["b4"]]) == {
        "condition": 0.0,
        "seismic": 0.0,
        "age": 68.3,
        "exposure": 0.0,
        "use": None,
    }
    assert scores(by_id[ids["b6"]]) == {
        "condition": 50.0,
        "seismic": 50.0,
        "age": 50.0,
        "exposure": 0.0,
        "use": 50.0,
    }


def test_each_part_shows_its_inputs(town: Town) -> None:
    rows = {r.building_id: r for r in ranked(town)}
    first = rows[town.ids["b1"]]
    condition = first.part("condition")
    assert condition.inputs == {
        "inspected_on": "2025-06-01",
        "grades": {
            "roof": "C",
            "exterior_wall": "D",
            "interior": "C",
            "electrical": "B",
            "mechanical": "B",
        },
        "overall_grade": "D",
        "health": 40.3,
        "basis": "parts",
    }
    assert first.part("age").inputs == {"built_year": 1970, "age": 56, "rebuild_age": 60}
    assert first.part("exposure").inputs["areas"] == ["浸水履歴 本町"]
    assert first.part("use").inputs == {"group": "community_center", "people": 1000, "most": 1000}
    assert first.facility_name == "本町住民センター"
    assert rows[town.ids["b3"]].district_name == "本町北自治会"
    # Reasons: the weightiest raising parts first (seismic 25×100 before condition 30×59.7).
    assert first.reasons_ja[0].startswith("耐震: 旧耐震")
    assert len(first.reasons_ja) == 5 and len(first.reasons_en) == 5
    school = rows[town.ids["b3"]]
    assert school.part("condition").inputs["basis"] == "overall"
    assert school.part("use").value_ja == "—"
    unknown = rows[town.ids["b2"]].part("condition")
    assert not unknown.known and "不明" in unknown.value_ja
    assert town.ids["b5"] not in rows


def test_without_a_population_table_use_is_left_out_and_says_so(town: Town) -> None:
    with psycopg.connect(libpq_url(town.url)) as conn:
        conn.execute(b"DELETE FROM population_unit")
    first = ranked(town)[0]
    use = first.part("use")
    assert (use.score, use.known, use.value_ja) == (None, False, "人口データなし")
    # (59.7×30 + 100×25 + 93.3×15 + 100×15) / 85 = 7190.5 / 85
    assert first.total == 84.6


def test_staff_page_through_the_ranking_and_get_csv(town: Town) -> None:
    client = signed_in(town.staff)
    page = client.get("/api/planning/priority?base_year=2026&limit=2")
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["numberMatched"] == 5 and body["numberReturned"] == 2
    assert [i["rank"] for i in body["items"]] == [1, 2]
    assert any(link["rel"] == "next" for link in body["links"])
    schools = client.get("/api/planning/priority?base_year=2026&kind=school").json()
    # Filtered, the rank stays the city-wide one.
    assert [i["rank"] for i in schools["items"]] == [2, 5]
    # The 地区 holds only the school, whose district is the 自治会 inside it.
    area = client.get(f"/api/planning/priority?base_year=2026&district={town.ids['D1']}").json()
    assert [i["rank"] for i in area["items"]] == [2, 5]
    answer = client.get("/api/planning/priority?base_year=2026&f=csv")
    assert answer.status_code == 200
    assert answer.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][0] == "順位 rank" and len(table) == 6
    assert table[1][2] == "本館" and table[1][-2] == "86.9"
    for bad in ("base_year=1800", "kind=castle", "f=xml", "limit=0"):
        refused = client.get(f"/api/planning/priority?{bad}")
        assert 400 <= refused.status_code < 500, bad
        assert "application/problem+json" in refused.headers["content-type"]
    assert new_client().get("/api/planning/priority").status_code in (401, 403)
