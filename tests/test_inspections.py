"""Recording and reading inspections through the API (issue 18): a 12条 inspection of a
building with its five parts and a photo, each rule's refusal naming its field, a retry
stored once, what the public reads before and after release, and the records link."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from layers.policy import ANONYMOUS, Actor
from layers.store.db import libpq_url, session_scope
from tests.conftest import make_person

CITY_HALL = (138.3187, 34.8669)


def _rows(url: str) -> dict[str, int]:
    with psycopg.connect(libpq_url(url)) as conn:
        park = conn.execute(
            "INSERT INTO facility (kind, name, geom) VALUES ('park', '本町公園', "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
            CITY_HALL,
        ).fetchone()
        hall = conn.execute(
            "INSERT INTO facility (kind, name, geom) VALUES ('kominkan', '中央公民館', "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
            CITY_HALL,
        ).fetchone()
        assert park and hall
        swing = conn.execute(
            "INSERT INTO facility (kind, name, parent_facility_id, geom) VALUES "
            "('play_equipment', 'ぶらんこ', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
            "RETURNING id",
            (park[0], *CITY_HALL),
        ).fetchone()
        building = conn.execute(
            "INSERT INTO facility_building (facility_id, name, built_year) "
            "VALUES (%s, '本館', 1975) RETURNING id",
            (hall[0],),
        ).fetchone()
        assert swing and building
    return {"park": park[0], "hall": hall[0], "swing": swing[0], "building": building[0]}


@pytest.fixture
def rows(db_url: str) -> dict[str, int]:
    return _rows(db_url)


def test_the_detail_of_an_inspection_written_as_rows(db_url: str, rows: dict[str, int]) -> None:
    from layers.inspections.reading import inspection_detail

    staff = make_person("inspector@example.jp", "staff", department="assets")
    with psycopg.connect(libpq_url(db_url)) as conn:
        found = conn.execute(
            "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
            "overall_grade, findings, next_due) VALUES ('facility_building', %s, "
            "'building_article12', '2026-10-01', 'C', '外壁にひび', '2029-10-01') RETURNING id",
            (rows["building"],),
        ).fetchone()
        assert found
        conn.execute(
            "INSERT INTO inspection_part_grade (inspection_id, part, grade, note) VALUES "
            "(%s, 'exterior_wall', 'C', 'ひび割れ'), (%s, 'roof', 'B', NULL)",
            (found[0], found[0]),
        )
    with session_scope() as db:
        public = inspection_detail(db, ANONYMOUS, found[0])
        full = inspection_detail(db, Actor(user_id=staff.id, role=_staff()), found[0])
        assert inspection_detail(db, ANONYMOUS, found[0] + 1000) is None
    assert public and full
    assert public["subject"]["name"] == "中央公民館 本館"
    assert public["subject"]["geometry"]["coordinates"] == list(CITY_HALL)
    assert [p["part"] for p in public["parts"]] == ["roof", "exterior_wall"]
    assert public["parts"][1] == {
        "part": "exterior_wall",
        "ja": "外壁",
        "en": public["parts"][1]["en"],
        "grade": "C",
        "note": None,
    }
    assert public["findings"] is None and full["findings"] == "外壁にひび"
    assert full["parts"][1]["note"] == "ひび割れ"
    assert full["links"]["pdf"] == f"/api/inspections/{found[0]}.pdf"


def _staff() -> Any:
    from layers.accounts.users import Role

    return Role.staff
