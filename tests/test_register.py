"""The facility register through the API: staff list the buildings with filters (age in 年度
counted from the city's date, seismic standard, the grade of the latest 12条 inspection),
download the same rows as CSV, open a building's card with its inspections and photos, and
add, change and remove buildings with If-Match; every change is audited and every bad
field is a 422 naming it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient

from layers.city.calendar import fiscal_year
from layers.city.register import seismic_hint
from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, signed_in, sql_value


def _this_fiscal_year() -> int:
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    return today.year if today.month >= 4 else today.year - 1


def _square(x: float, y: float, size: float) -> str:
    return f"ST_Multi(ST_MakeEnvelope({x}, {y}, {x + size}, {y + size}, 4326))"


@dataclass
class Register:
    url: str
    staff: TestClient
    fy: int
    area: int  # a 地区
    neighbourhood: int  # a 自治会 inside it
    centre: int  # a 住民センター in the 自治会
    school: int  # a school outside the 地区
    old: int  # 本館 of the centre: age 40, 旧耐震, latest 12条 grade C
    young: int  # 別館 of the centre: age 39, 新耐震, 12条 D then A
    gym: int  # the school's gymnasium: no built year, unknown standard, never inspected
    inspections: dict[str, int]


@pytest.fixture
def reg(db_url: str, no_rate_limits: None) -> Register:
    fy = _this_fiscal_year()
    with psycopg.connect(libpq_url(db_url)) as conn:

        def one(sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            return int(row[0])

        area = one(
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'A1', '本町地区', "
            f"{_square(138.30, 34.85, 0.04)}) RETURNING id"
        )
        hood = one(
            "INSERT INTO district (level, code, name, parent_id, geom) VALUES "
            f"('neighbourhood', 'N1', '本町一丁目自治会', %s, {_square(138.31, 34.86, 0.01)}) "
            "RETURNING id",
            area,
        )
        centre = one(
            "INSERT INTO facility (kind, name, address, geom) VALUES ('community_center', "
            "'本町住民センター', '焼津市本町一丁目', ST_SetSRID(ST_MakePoint(138.315, 34.865), "
            "4326)) RETURNING id"
        )
        school = one(
            "INSERT INTO facility (kind, name, geom) VALUES ('school', '港小学校', "
            "ST_SetSRID(ST_MakePoint(138.20, 34.80), 4326)) RETURNING id"
        )
        old = one(
            "INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2, "
            "structure, storeys, seismic_standard, synthetic) VALUES (%s, '本館', %s, 812.5, "
            "'rc', 2, 'pre_1981', ARRAY['floor_area_m2']) RETURNING id",
            centre,
            fy - 40,
        )
        young = one(
            "INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2, "
            "seismic_standard) VALUES (%s, '別館', %s, 120, 'post_1981') RETURNING id",
            centre,
            fy - 39,
        )
        gym = one(
            "INSERT INTO facility_building (facility_id, name) VALUES (%s, '体育館') RETURNING id",
            school,
        )

        def inspect(building: int, kind: str, on: str, grade: str, due: str | None) -> int:
            return one(
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
                "overall_grade, next_due) VALUES ('facility_building', %s, %s, %s, %s, %s) "
                "RETURNING id",
                building,
                kind,
                on,
                grade,
                due,
            )

        inspections = {
            "old_12": inspect(old, "building_article12", "2024-06-01", "C", "2027-06-01"),
            "old_equipment": inspect(old, "building_equipment", "2025-02-01", "A", "2026-02-01"),
            "young_12_first": inspect(young, "building_article12", "2021-05-10", "D", "2024-05-10"),
            "young_12_later": inspect(young, "building_article12", "2024-05-10", "A", "2027-05-10"),
            # Newest of all, of another kind: not what the grade filter reads.
            "young_equipment": inspect(young, "building_equipment", "2025-09-01", "D", None),
        }
        conn.execute(
            b"INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
            b"byte_size, sha256, is_public) VALUES ('inspection', %s, 'ab/cd.jpg', "
            b"'image/jpeg', 10, 'x', false)",
            (inspections["old_12"],),
        )
    staff = signed_in(make_person("assets@example.jp", "staff", department="assets"))
    return Register(db_url, staff, fy, area, hood, centre, school, old, young, gym, inspections)


def ids(answer: Any) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [row["building"]["id"] for row in answer.json()["buildings"]]


def test_fiscal_year_turns_in_april_and_the_year_hints_the_standard() -> None:
    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year(date(2026, 4, 1)) == 2026
    assert seismic_hint(1980) == "pre_1981"
    assert seismic_hint(1981) is None  # 1981-04 to 1982-03 straddles 1981-06-01
    assert seismic_hint(1982) == "post_1981"


def test_one_row_per_building_with_its_facility_age_and_inspections(reg: Register) -> None:
    answer = reg.staff.get("/api/register")
    # By facility name, then building name, as the database orders text (code points here).
    assert ids(answer) == [reg.young, reg.old, reg.gym]
    body = answer.json()
    assert body["matched"] == body["numberMatched"] == 3
    assert body["fiscal_year"] == reg.fy
    row = {r["building"]["id"]: r for r in body["buildings"]}
    old = row[reg.old]
    assert old["building"]["age"] == 40
    assert old["building"]["floor_area_m2"] == 812.5
    assert old["building"]["structure"] == "rc"
    assert old["facility"] == {
        "id": reg.centre,
        "name": "本町住民センター",
        "kind": "community_center",
        "address": "焼津市本町一丁目",
        "use_status": "open",
        "district": {"id": reg.neighbourhood, "name": "本町一丁目自治会"},
    }
    assert old["last_inspection"]["id"] == reg.inspections["old_equipment"]
    assert old["condition"]["overall_grade"] == "C"
    # The soonest of the latest inspection of each kind: equipment's 2026-02-01.
    assert old["next_due"] == "2026-02-01"
    young = row[reg.young]
    assert young["last_inspection"]["id"] == reg.inspections["young_equipment"]
    assert young["condition"]["id"] == reg.inspections["young_12_later"]
    assert young["next_due"] == "2027-05-10"  # equipment's latest has no due date
    gym = row[reg.gym]
    assert gym["building"]["age"] is None
    assert gym["last_inspection"] is None and gym["condition"] is None
    assert gym["facility"]["district"] is None


def test_age_filters_count_fiscal_years_and_include_their_boundary(reg: Register) -> None:
    assert ids(reg.staff.get("/api/register?min_age=40")) == [reg.old]
    assert ids(reg.staff.get("/api/register?min_age=39")) == [reg.young, reg.old]
    assert ids(reg.staff.get("/api/register?max_age=39")) == [reg.young]
    assert ids(reg.staff.get("/api/register?min_age=39&max_age=39")) == [reg.young]
    assert ids(reg.staff.get(f"/api/register?built_before={reg.fy - 39}")) == [reg.old]
    assert ids(reg.staff.get(f"/api/register?built_from={reg.fy - 39}")) == [reg.young]


def test_seismic_kind_district_use_and_name_filters(reg: Register) -> None:
    assert ids(reg.staff.get("/api/register?seismic=pre_1981")) == [reg.old]
    assert ids(reg.staff.get("/api/register?seismic=unknown")) == [reg.gym]
    assert ids(reg.staff.get("/api/register?seismic=unknown&seismic=post_1981")) == [
        reg.young,
        reg.gym,
    ]
    assert ids(reg.staff.get("/api/register?kind=school")) == [reg.gym]
    # A 地区 holds its 自治会: the centre is assigned the 自治会 and found by the 地区 too.
    assert ids(reg.staff.get(f"/api/register?district={reg.area}")) == [reg.young, reg.old]
    assert ids(reg.staff.get(f"/api/register?district={reg.neighbourhood}")) == [
        reg.young,
        reg.old,
    ]
    assert ids(reg.staff.get("/api/register?q=体育")) == [reg.gym]
    assert ids(reg.staff.get("/api/register?q=住民センター")) == [reg.young, reg.old]
    assert ids(reg.staff.get("/api/register?q=100%")) == []  # % is a character, not a wildcard
    assert ids(reg.staff.get("/api/register?in_use=false")) == []


def test_grade_filter_reads_the_latest_article12_inspection(reg: Register) -> None:
    # 別館's 12条 went D then A; its newest inspection (equipment) is a D of another kind.
    assert ids(reg.staff.get("/api/register?grade=D")) == []
    assert ids(reg.staff.get("/api/register?grade=A")) == [reg.young]
    assert ids(reg.staff.get("/api/register?grade=C&grade=D")) == [reg.old]
    assert ids(reg.staff.get("/api/register?sort=grade")) == [reg.old, reg.young, reg.gym]
    assert ids(reg.staff.get("/api/register?sort=-built_year")) == [reg.young, reg.old, reg.gym]
    assert ids(reg.staff.get("/api/register?sort=next_due")) == [reg.old, reg.young, reg.gym]


def test_pages_and_refused_parameters(reg: Register) -> None:
    first = reg.staff.get("/api/register?limit=2")
    assert ids(first) == [reg.young, reg.old]
    assert any(link["rel"] == "next" for link in first.json()["links"])
    assert ids(reg.staff.get("/api/register?limit=2&offset=2")) == [reg.gym]
    for query in ("sort=age_desc", "grade=E", "seismic=not_applicable", "min_age=-1"):
        answer = reg.staff.get(f"/api/register?{query}")
        assert answer.status_code == 400, query
        assert answer.json()["detail_ja"]


def test_csv_has_a_bom_japanese_headers_and_the_same_rows(reg: Register) -> None:
    answer = reg.staff.get(f"/api/register?f=csv&district={reg.area}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["棟ID"] for r in rows] == [str(reg.young), str(reg.old)]
    old = rows[1]
    assert old["施設名"] == "本町住民センター"
    assert old["棟名"] == "本館"
    assert old["経過年数"] == "40"
    assert old["延床面積（㎡）"] == "812.5"
    assert old["構造"] == "RC造"
    assert old["耐震基準"] == "旧耐震"
    assert old["12条点検 判定"] == "C"
    assert old["次回点検期限"] == "2026-02-01"


def test_card_lists_inspections_newest_first_with_links_and_photos(reg: Register) -> None:
    answer = reg.staff.get(f"/api/register/buildings/{reg.old}")
    assert answer.status_code == 200
    assert answer.headers["etag"].removeprefix("W/") == '"1"'
    card = answer.json()
    assert card["building"]["name"] == "本館"
    assert card["facility"]["name"] == "本町住民センター"
    assert [i["id"] for i in card["inspections"]] == [
        reg.inspections["old_equipment"],
        reg.inspections["old_12"],
    ]
    twelve = card["inspections"][1]
    assert twelve["kind"]["code"] == "building_article12"
    assert twelve["kind"]["name_ja"]
    assert twelve["links"]["pdf"] == f"/api/inspections/{twelve['id']}.pdf"
    assert twelve["links"]["staff"] == f"/staff#/inspections/{twelve['id']}"
    # Staff see the photo though it is not released.
    assert [(p["inspection_id"], p["is_public"]) for p in card["photos"]] == [
        (reg.inspections["old_12"], False)
    ]
    assert card["seismic_hint"] is None  # its standard is known
    missing = reg.staff.get("/api/register/buildings/999999")
    assert missing.status_code == 404


def test_card_hints_the_standard_but_nobody_stores_a_guess(reg: Register) -> None:
    card = reg.staff.get(f"/api/register/buildings/{reg.gym}")
    assert card.json()["seismic_hint"] is None  # no built year: nothing to suggest
    changed = reg.staff.patch(
        f"/api/register/buildings/{reg.gym}", json={"built_year": 1975}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["building"]["seismic_standard"] == "unknown"
    assert changed.json()["seismic_hint"] == "pre_1981"


def test_residents_and_anonymous_callers_never_read_the_register(reg: Register) -> None:
    resident = signed_in(make_person("someone@example.jp"))
    assert resident.get("/api/register").status_code == 403
    assert resident.get(f"/api/register/buildings/{reg.old}").status_code == 403
    assert new_client().get("/api/register").status_code == 401


def test_add_change_and_delete_with_if_match_and_the_audit_log(reg: Register) -> None:
    created = reg.staff.post(
        "/api/register/buildings",
        json={
            "facility_id": reg.centre,
            "name": " 倉庫 ",
            "built_year": 1990,
            "floor_area_m2": 45,
            "structure": "steel",
            "cost_category": "civic_culture",
            "extra": {"資産番号": "B-0042"},
        },
    )
    assert created.status_code == 201, created.text
    building = created.json()["building"]
    new_id = building["id"]
    assert created.headers["location"] == f"/api/register/buildings/{new_id}"
    assert created.headers["etag"].removeprefix("W/") == '"1"'
    assert building["name"] == "倉庫"
    assert building["seismic_standard"] == "unknown"  # not guessed from 1990
    assert building["extra"] == {"資産番号": "B-0042"}

    url = f"/api/register/buildings/{new_id}"
    without = reg.staff.patch(url, json={"floor_area_m2": 50})
    assert without.status_code == 428
    changed = reg.staff.patch(url, json={"floor_area_m2": 50}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"].removeprefix("W/") == '"2"'
    assert changed.json()["building"]["floor_area_m2"] == 50
    stale = reg.staff.patch(url, json={"floor_area_m2": 60}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["etag"].removeprefix("W/") == '"2"'
    assert stale.json()["detail_ja"].startswith("ほかの人が")
    assert (
        sql_value(reg.url, "SELECT floor_area_m2 FROM facility_building WHERE id = %s", new_id)
        == 50
    )

    audited = sql_value(
        reg.url,
        "SELECT count(*) FROM audit_log WHERE subject_layer = 'facility_building' "
        "AND subject_id = %s AND actor_user_id IS NOT NULL",
        new_id,
    )
    assert audited == 2  # the insert and the change, each under the staff member
    after = sql_value(
        reg.url,
        "SELECT after->>'floor_area_m2' FROM audit_log WHERE subject_layer = "
        "'facility_building' AND subject_id = %s ORDER BY id DESC LIMIT 1",
        new_id,
    )
    assert float(after) == 50

    assert reg.staff.delete(url).status_code == 428
    assert reg.staff.delete(url, headers={"If-Match": '"1"'}).status_code == 412
    assert reg.staff.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert reg.staff.get(url).status_code == 404


def test_a_staff_value_replaces_a_generated_one(reg: Register) -> None:
    url = f"/api/register/buildings/{reg.old}"
    changed = reg.staff.patch(url, json={"floor_area_m2": 800}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.json()["building"]["synthetic"] == []


def test_deleting_a_building_keeps_its_inspections(reg: Register) -> None:
    url = f"/api/register/buildings/{reg.old}"
    assert reg.staff.delete(url, headers={"If-Match": '"1"'}).status_code == 204
    kept = sql_value(
        reg.url,
        "SELECT count(*) FROM inspection WHERE subject_layer = 'facility_building' "
        "AND subject_id = %s",
        reg.old,
    )
    assert kept == 2


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", "", "棟名"),
        ("name", "x" * 201, "棟名"),
        ("facility_id", 999999, "施設"),
        ("facility_id", "1", "施設"),
        ("built_year", 1700, "建築年度"),
        ("built_year", 1990.5, "建築年度"),
        ("built_year", True, "建築年度"),
        ("floor_area_m2", 0, "延床面積"),
        ("floor_area_m2", "広い", "延床面積"),
        ("structure", "concrete", "構造"),
        ("storeys", 0, "階数"),
        ("seismic_standard", "not_applicable", "耐震基準"),
        ("seismic_standard", None, "耐震基準"),
        ("seismic_diagnosis_year", 1900, "耐震診断年度"),
        ("retrofit_year", 2200, "耐震補強年度"),
        ("retrofit_year", 1960, "耐震補強年度"),  # before the building was built
        ("is_value", 11, "Is値"),
        ("cost_category", "shops", "施設分類"),
        ("owner", "nobody", "所有者"),
        ("owner_district_id", 999999, "所有する行政区・自治会"),
        ("in_use", "yes", "使用状況"),
        ("note", 5, "備考"),
        ("extra", ["a"], "その他の列"),
        ("version", 9, "version"),
    ],
)
def test_each_bad_field_is_a_422_naming_it(
    reg: Register, field: str, value: Any, words: str
) -> None:
    answer = reg.staff.patch(
        f"/api/register/buildings/{reg.old}", json={field: value}, headers={"If-Match": '"1"'}
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["parameter"] == field
    assert words in problem["detail_ja"]
    assert field in problem["detail"]
    assert sql_value(reg.url, "SELECT version FROM facility_building WHERE id = %s", reg.old) == 1


def test_every_mistake_is_named_at_once_and_a_new_building_needs_its_facility(
    reg: Register,
) -> None:
    answer = reg.staff.post("/api/register/buildings", json={"storeys": 0, "is_value": -1})
    assert answer.status_code == 422
    named = {e["field"] for e in answer.json()["errors"]}
    assert named == {"storeys", "is_value", "facility_id", "name"}
    assert reg.staff.post("/api/register/buildings", json=[1]).status_code == 422
