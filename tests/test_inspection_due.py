"""The due and overdue board computed exactly: a small city of its own (two 地区, one with a
町内会 inside, a 住民センター and a 公民館 with their buildings, a park with three pieces of
play equipment, a school with a 通学路合同点検 site) and inspections across kinds of 6, 12
and 36 months, including a leap day and one recorded a year late.

Inspections are inserted as rows, their next_due computed as recording computes it
(inspected_on + make_interval(months => the kind's interval), PostgreSQL's month arithmetic,
so 2024-02-29 + 12 months is 2025-02-28). Expected dates below are written out by hand."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest
import shapely.geometry
from sqlalchemy.orm import Session

from layers.inspections import due
from layers.store.db import libpq_url, make_engine
from tests.conftest import Person, make_person, new_client, signed_in

LAT = 34.8669
TODAY = date(2025, 3, 1)
SOON = 60  # TODAY + 60 days = 2025-04-30


def box(west: float, east: float) -> str:
    return f"ST_Multi(ST_MakeEnvelope({west}, {LAT - 0.004}, {east}, {LAT + 0.004}, 4326))"


def point(lon: float) -> str:
    return f"ST_SetSRID(ST_MakePoint({lon}, {LAT}), 4326)"


@dataclass
class City:
    url: str
    ids: dict[str, int]
    staff: Person


def build_city(url: str) -> City:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as conn:

        def one(name: str, sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[name] = int(row[0])
            return ids[name]

        for code, name in (
            ("assets", "資産経営課"),
            ("community", "地域づくり課"),
            ("lifelong", "生涯学習課"),
            ("bousai", "防災課"),
            ("parks", "公園緑地課"),
            ("school_education", "学校教育課"),
        ):
            one(
                code, "INSERT INTO department (code, name) VALUES (%s, %s) RETURNING id", code, name
            )
        one(
            "area_a",
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'A', '本町地区', "
            f"{box(138.3050, 138.3180)}) RETURNING id",
        )
        one(
            "n1",
            "INSERT INTO district (level, code, name, geom, parent_id) VALUES "
            f"('neighbourhood', 'N1', '本町西町内会', {box(138.3050, 138.3115)}, %s) RETURNING id",
            ids["area_a"],
        )
        one(
            "area_b",
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'B', '港地区', "
            f"{box(138.3200, 138.3300)}) RETURNING id",
        )

        def facility(name: str, kind: str, lon: float, dept: str | None, parent: str | None) -> int:
            return one(
                name,
                "INSERT INTO facility (kind, name, geom, department_id, parent_facility_id) "
                f"VALUES (%s, %s, {point(lon)}, %s, %s) RETURNING id",
                kind,
                name,
                ids[dept] if dept else None,
                ids[parent] if parent else None,
            )

        facility("本町住民センター", "community_center", 138.3080, "community", None)
        facility("港公民館", "kominkan", 138.3250, "lifelong", None)
        facility("中央公園", "park", 138.3150, "parks", None)
        facility("ブランコ", "play_equipment", 138.3151, None, "中央公園")
        # Named with its park already (as the demo names them): not named twice.
        facility("中央公園 すべり台", "play_equipment", 138.3152, None, "中央公園")
        facility("砂場", "play_equipment", 138.3153, None, "中央公園")
        facility("港小学校", "school", 138.3230, "school_education", None)
        for key, name, of, in_use in (
            ("b1", "本館", "本町住民センター", True),
            ("b_old", "旧館", "本町住民センター", False),  # closed: nothing falls due
            ("b3", "本館", "港公民館", True),
        ):
            one(
                key,
                "INSERT INTO facility_building (facility_id, name, in_use) VALUES (%s, %s, %s) "
                "RETURNING id",
                ids[of],
                name,
                in_use,
            )
        one(
            "site",
            "INSERT INTO school_route_site (school_facility_id, fiscal_year, number, geom) "
            f"VALUES (%s, 2023, '3', {point(138.3240)}) RETURNING id",
            ids["港小学校"],
        )
        # 12条: the kinds' departments; building_equipment has none, so each building's
        # facility's department keeps it. A city's own kind: 消防用設備等点検 (消防法,
        # 機器点検 every 6 months), for 公民館 buildings only.
        conn.execute(
            "UPDATE inspection_kind SET department_id = %s WHERE code = 'building_article12'",
            (ids["assets"],),
        )
        conn.execute(
            "UPDATE inspection_kind SET department_id = %s WHERE code = 'playground'",
            (ids["parks"],),
        )
        conn.execute(
            "INSERT INTO inspection_kind (code, name_ja, name_en, interval_months, subject_layer,"
            " subject_kinds, grading, department_id) VALUES ('fire_equipment',"
            " '消防用設備等点検', 'Fire equipment inspection', 6, 'facility_building',"
            " '{kominkan}', 'overall', %s)",
            (ids["bousai"],),
        )

        def inspect(layer: str, subject: str, kind: str, on: str, grade: str = "B") -> int:
            return one(
                f"{subject}/{kind}/{on}",
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on,"
                " overall_grade, next_due) SELECT %s, %s, k.code, CAST(%s AS date), %s,"
                " CAST(%s AS date) + make_interval(months => k.interval_months)"
                " FROM inspection_kind k WHERE k.code = %s RETURNING id",
                layer,
                ids[subject],
                on,
                grade,
                on,
                kind,
            )

        building, facility_layer = "facility_building", "facility"
        # The leap day: 2024-02-29 + 12 months = 2025-02-28, due yesterday.
        inspect(building, "b1", "building_equipment", "2024-02-29", "C")
        inspect(building, "b1", "building_article12", "2023-06-10")  # due 2026-06-10
        # A later inspection replaces an earlier one (due 2024-01-10, overdue by then).
        inspect(building, "b3", "building_article12", "2021-01-10", "D")
        inspect(building, "b3", "building_article12", "2024-12-01", "A")  # due 2027-12-01
        inspect(building, "b3", "building_equipment", "2023-02-01")
        # Six months from the last day of August: 2025-02-28.
        inspect(building, "b3", "fire_equipment", "2024-08-31")
        inspect(building, "b_old", "building_article12", "2020-01-01")  # not in use
        # Two records of one day: the later row is the last (ids break the tie).
        inspect(facility_layer, "ブランコ", "playground", "2024-04-30", "C")
        inspect(facility_layer, "ブランコ", "playground", "2024-04-30", "A")  # due TODAY + 60
        inspect(facility_layer, "中央公園 すべり台", "playground", "2024-05-01")  # due TODAY + 61
        inspect("school_route_site", "site", "school_route", "2023-07-15")  # due 2024-07-15
        conn.execute("UPDATE inspection SET created_at = now() - interval '1 year'")
        # Recorded today (created_at now, the newest id), done a year ago: counts from the
        # day it was done, so it is due today.
        inspect(building, "b3", "building_equipment", "2024-03-01")
        # A paper record of 2022 typed in today: newer as a row, older as an inspection, so
        # the 2023 one stays the last.
        inspect(building, "b1", "building_article12", "2022-05-01", "D")
    staff = make_person("kanri@example.jp", "staff", department="assets")
    return City(url, ids, staff)


@pytest.fixture
def city(db_url: str, no_rate_limits: None) -> City:
    return build_city(db_url)


def read(
    c: City,
    today: date = TODAY,
    limit: int = 500,
    offset: int = 0,
    shape: due.Shape = "items",
    **filters: Any,
) -> due.Board:
    engine = make_engine(c.url)
    try:
        with Session(engine) as db:
            return due.board(
                db,
                due.Filters(**filters),
                today=today,
                soon_days=SOON,
                limit=limit,
                offset=offset,
                shape=shape,
            )
    finally:
        engine.dispose()


def summary(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item["subject"]["name"],
        item["kind"]["code"],
        item["next_due"],
        item["status"],
        item["days_overdue"],
    )


EVERY_ROW = [
    # Never inspected first, then by next due, then by name.
    ("中央公園 砂場", "playground", None, "never", None),
    ("港小学校 箇所3", "school_route", "2024-07-15", "overdue", 229),
    ("本町住民センター 本館", "building_equipment", "2025-02-28", "overdue", 1),
    ("港公民館 本館", "fire_equipment", "2025-02-28", "overdue", 1),
    ("港公民館 本館", "building_equipment", "2025-03-01", "due_soon", None),
    ("中央公園 ブランコ", "playground", "2025-04-30", "due_soon", None),
    ("中央公園 すべり台", "playground", "2025-05-01", "ok", None),
    ("本町住民センター 本館", "building_article12", "2026-06-10", "ok", None),
    ("港公民館 本館", "building_article12", "2027-12-01", "ok", None),
]


def test_every_subject_and_kind_is_due_exactly(city: City) -> None:
    board = read(city, statuses=due.STATUSES)
    got = [summary(i) for i in board.items]
    # Ties on the same day by name (the test cluster's C collation: 本 U+672C < 港 U+6E2F).
    assert got == EVERY_ROW
    assert board.matched == 9
    assert board.counts == {"overdue": 3, "due_soon": 2, "never": 1, "ok": 3}
    assert (TODAY - date(2024, 7, 15)).days == 229
    # The closed 旧館 is left off; the school and the park are no subjects of these kinds.
    names = {i["subject"]["name"] for i in board.items}
    assert "本町住民センター 旧館" not in names and "中央公園" not in names
    assert not any(
        i["subject"]["name"] == "本町住民センター 本館" and i["kind"]["code"] == "fire_equipment"
        for i in board.items
    ), "fire_equipment is for 公民館"


def test_the_last_inspection_is_the_latest_done_not_the_latest_recorded(city: City) -> None:
    board = read(city, statuses=due.STATUSES)
    rows = {(i["subject"]["id"], i["subject"]["layer"], i["kind"]["code"]): i for i in board.items}
    b3 = city.ids["b3"]
    article12 = rows[(b3, "facility_building", "building_article12")]
    assert article12["last"] == {
        "id": city.ids["b3/building_article12/2024-12-01"],
        "inspected_on": "2024-12-01",
        "overall_grade": "A",
    }
    late = rows[(b3, "facility_building", "building_equipment")]
    assert late["last"]["id"] == city.ids["b3/building_equipment/2024-03-01"]
    assert late["next_due"] == "2025-03-01"
    leap = rows[(city.ids["b1"], "facility_building", "building_equipment")]
    assert leap["last"] == {
        "id": city.ids["b1/building_equipment/2024-02-29"],
        "inspected_on": "2024-02-29",
        "overall_grade": "C",
    }
    assert rows[(city.ids["砂場"], "facility", "playground")]["last"] is None
    older_typed_later = rows[(city.ids["b1"], "facility_building", "building_article12")]
    assert older_typed_later["last"]["inspected_on"] == "2023-06-10"
    assert older_typed_later["last"]["id"] == city.ids["b1/building_article12/2023-06-10"]
    swing = rows[(city.ids["ブランコ"], "facility", "playground")]
    assert swing["last"] == {
        "id": city.ids["ブランコ/playground/2024-04-30"],  # the second of the day
        "inspected_on": "2024-04-30",
        "overall_grade": "A",
    }
    assert swing["subject"] == {
        "layer": "facility",
        "id": city.ids["ブランコ"],
        "name": "中央公園 ブランコ",
        "facility_id": city.ids["中央公園"],
        "facility_name": "中央公園",
    }
    site = rows[(city.ids["site"], "school_route_site", "school_route")]
    assert site["subject"]["facility_name"] == "港小学校"


def test_the_due_soon_and_overdue_boundaries_move_with_today(city: City) -> None:
    def status_of(today: date, name: str, kind: str) -> tuple[str, int | None]:
        board = read(city, today, statuses=due.STATUSES, kind=kind)
        [row] = [i for i in board.items if i["subject"]["name"] == name]
        return row["status"], row["days_overdue"]

    leap = ("本町住民センター 本館", "building_equipment")  # due 2025-02-28
    assert status_of(date(2025, 2, 27), *leap) == ("due_soon", None)
    assert status_of(date(2025, 2, 28), *leap) == ("due_soon", None)  # due today
    assert status_of(date(2025, 3, 1), *leap) == ("overdue", 1)  # due yesterday
    assert status_of(date(2026, 2, 28), *leap) == ("overdue", 365)
    # Exactly today + 60 days is due soon; a day further is not yet.
    assert status_of(date(2024, 12, 30), *leap) == ("due_soon", None)
    assert status_of(date(2024, 12, 29), *leap) == ("ok", None)
    swing = ("中央公園 ブランコ", "playground")
    assert status_of(date(2025, 3, 1), *swing) == ("due_soon", None)
    assert status_of(date(2025, 2, 28), *swing) == ("ok", None)


def test_the_default_is_what_needs_doing_and_filters_narrow_it(city: City) -> None:
    board = read(city)
    assert [summary(i)[3] for i in board.items] == [
        "never", "overdue", "overdue", "overdue", "due_soon", "due_soon"
    ]  # fmt: skip
    assert board.counts == {"overdue": 3, "due_soon": 2, "never": 1, "ok": 3}

    def names(**filters: Any) -> list[tuple[str, str]]:
        found = read(city, statuses=due.STATUSES, **filters).items
        return sorted((i["subject"]["name"], i["kind"]["code"]) for i in found)

    ids = city.ids
    assert names(department=ids["assets"]) == [
        ("本町住民センター 本館", "building_article12"),
        ("港公民館 本館", "building_article12"),
    ]
    # No department on the kind: the building's facility's.
    assert names(department=ids["lifelong"]) == [("港公民館 本館", "building_equipment")]
    assert names(department=ids["community"]) == [("本町住民センター 本館", "building_equipment")]
    assert names(department=ids["school_education"]) == [("港小学校 箇所3", "school_route")]
    assert names(kind="playground") == [
        ("中央公園 すべり台", "playground"),
        ("中央公園 ブランコ", "playground"),
        ("中央公園 砂場", "playground"),
    ]
    # A 地区 holds its 町内会: the 住民センター in 本町西町内会 is in 本町地区.
    assert names(district=ids["n1"]) == [
        ("本町住民センター 本館", "building_article12"),
        ("本町住民センター 本館", "building_equipment"),
    ]
    assert len(names(district=ids["area_a"])) == 5
    assert len(names(district=ids["area_b"])) == 4
    # Counts follow the filters but not the status chosen.
    only_overdue = read(city, statuses=("overdue",), district=ids["area_b"])
    assert only_overdue.matched == 2
    assert only_overdue.counts == {"overdue": 2, "due_soon": 1, "never": 0, "ok": 1}
    # A kind put out of use leaves the board.
    with psycopg.connect(libpq_url(city.url)) as conn:
        conn.execute("UPDATE inspection_kind SET active = false WHERE code = 'playground'")
    assert names(kind="playground") == []


def test_sorting_and_pages(city: City) -> None:
    every = due.STATUSES
    latest_first = read(city, statuses=every, sort="-next_due").items
    assert [summary(i)[2] for i in latest_first] == [
        "2027-12-01", "2026-06-10", "2025-05-01", "2025-04-30", "2025-03-01",
        "2025-02-28", "2025-02-28", "2024-07-15", None,
    ]  # fmt: skip
    by_kind = [i["kind"]["name_ja"] for i in read(city, statuses=every, sort="kind").items]
    assert by_kind == sorted(by_kind)
    # By department name; within one department, by next due.
    by_department = [
        (i["department"]["name_ja"], i["next_due"])
        for i in read(city, statuses=every, sort="department").items
    ]
    assert [name for name, _ in by_department] == sorted(name for name, _ in by_department)
    assert by_department.index(("資産経営課", "2026-06-10")) + 1 == by_department.index(
        ("資産経営課", "2027-12-01")
    )
    pages = [read(city, statuses=every, limit=4, offset=n).items for n in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 4, 1]
    assert [summary(i) for p in pages for i in p] == [
        summary(i) for i in read(city, statuses=every).items
    ]


# -- through the API ----------------------------------------------------------------------


def api(c: City, query: str = "", who: Person | None = None) -> Any:
    client = signed_in(who or c.staff)
    return client.get("/api/inspections/due" + (f"?{query}" if query else ""))


def test_the_api_answers_json_with_counts_and_pages(city: City) -> None:
    answer = api(city, "status=all&limit=4")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert "no-store" in answer.headers["cache-control"]
    body = answer.json()
    today = date.fromisoformat(body["today"])
    expected = read(city, today, statuses=due.STATUSES, limit=4)
    assert body["items"] == expected.items
    assert body["counts"] == expected.counts
    assert body["numberMatched"] == 9 and body["numberReturned"] == 4
    assert body["due_soon_days"] == 60
    assert [link["rel"] for link in body["links"]] == ["self", "next"]
    # A comma list, the default, and a filter through the API.
    two = api(city, "status=overdue,never").json()
    assert {i["status"] for i in two["items"]} <= {"overdue", "never"}
    assert two["numberMatched"] == body["counts"]["overdue"] + body["counts"]["never"]
    mine = api(city, f"department={city.ids['assets']}&status=all&sort=subject").json()
    assert [i["subject"]["name"] for i in mine["items"]] == [
        "本町住民センター 本館",
        "港公民館 本館",
    ]
    assert {i["department"]["name_ja"] for i in mine["items"]} == {"資産経営課"}


def test_the_api_answers_geojson_for_the_map(city: City) -> None:
    answer = api(city, "status=all&f=geojson")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 9
    as_items = api(city, "status=all").json()["items"]
    for feature, item in zip(body["features"], as_items, strict=True):
        assert feature["type"] == "Feature"
        assert feature["properties"] == item
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.geom_type == "Point" and shape.is_valid
        assert abs(shape.y - LAT) < 1e-9
    swing = next(
        f for f in body["features"] if f["properties"]["subject"]["name"] == "中央公園 ブランコ"
    )
    assert swing["geometry"]["coordinates"] == [138.3151, LAT]
    assert swing["id"] == f"facility/{city.ids['ブランコ']}/playground"


def test_the_csv_reads_back_as_the_board(city: City) -> None:
    answer = api(city, "status=all&f=csv&limit=1")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="inspections-due-')
    assert "filename*=UTF-8''%E7%82%B9%E6%A4%9C" in disposition  # 点検期限一覧_…
    raw = answer.content
    assert raw.startswith("\ufeff".encode())
    assert raw.count(b"\r\n") == 10 and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == [
        "施設名", "棟名", "点検種別", "担当部署", "前回点検日", "前回評価", "次回期限", "状況",
        "超過日数",
    ]  # fmt: skip
    # Every row, not one page: the spreadsheet is the whole list.
    assert len(rows) == 10
    items = api(city, "status=all").json()["items"]
    labels = {"overdue": "期限切れ", "due_soon": "期限間近", "never": "未点検", "ok": "期限内"}
    for row, item in zip(rows[1:], items, strict=True):
        facility, unit, kind, department, last_on, grade, next_due, status, days = row
        assert facility == item["subject"]["facility_name"]
        assert f"{facility} {unit}" == item["subject"]["name"]
        assert kind == item["kind"]["name_ja"]
        assert department == (item["department"]["name_ja"] if item["department"] else "")
        assert last_on == (item["last"]["inspected_on"] if item["last"] else "")
        assert grade == (item["last"]["overall_grade"] if item["last"] else "")
        assert next_due == (item["next_due"] or "")
        assert status == labels[item["status"]]
        assert days == ("" if item["days_overdue"] is None else str(item["days_overdue"]))
    swing = next(r for r in rows if r[1] == "ブランコ")
    assert swing[:4] == ["中央公園", "ブランコ", "遊具定期点検", "公園緑地課"]
    slide = next(r for r in rows if r[1] == "すべり台")  # its name without the park's
    assert slide[0] == "中央公園"
    head = signed_in(city.staff).head("/api/inspections/due?status=all&f=csv")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == answer.headers["content-type"]


def test_bad_filters_are_refused_in_both_languages(city: City) -> None:
    for query, parameter in (
        ("status=late", "status"),
        ("kind=no_such_kind", "kind"),
        ("department=987654", "department"),
        ("district=987654", "district"),
        ("kind=no_such_kind&f=csv", "kind"),
    ):
        answer = api(city, query)
        assert answer.status_code == 400, (query, answer.text)
        problem = answer.json()
        assert problem["parameter"] == parameter
        assert problem["detail_ja"] and problem["detail"]
    for query in ("sort=oldest", "f=xlsx", "kind=DROP%20TABLE", "department=0", "limit=0"):
        answer = api(city, query)
        assert 400 <= answer.status_code < 500, (query, answer.text)


def test_only_staff_see_the_board(city: City) -> None:
    resident = make_person("shimin@example.jp")
    assert api(city, who=resident).status_code == 403
    assert new_client().get("/api/inspections/due").status_code == 401
    assert new_client().get("/api/inspections/due?f=csv").status_code == 401


def test_a_long_csv_keeps_every_row(city: City) -> None:
    """More rows than one streamed chunk holds: none lost or cut at a chunk's edge."""
    with psycopg.connect(libpq_url(city.url)) as conn:
        conn.execute(
            "INSERT INTO facility_building (facility_id, name)"
            " SELECT %s, '別棟' || n FROM generate_series(1, 1500) n",
            (city.ids["本町住民センター"],),
        )
    answer = api(city, "f=csv&status=never&sort=subject")
    assert answer.status_code == 200, answer.text
    assert len(answer.content) > 100_000
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    # Two 12条 kinds for each new building, and the 砂場 never inspected.
    assert len(rows) == 1 + 2 * 1500 + 1
    new = [r for r in rows[1:] if r[1].startswith("別棟")]
    assert {(r[0], r[2], r[7]) for r in new} == {
        ("本町住民センター", "建築基準法12条点検（敷地・構造）", "未点検"),
        ("本町住民センター", "建築基準法12条点検（建築設備・昇降機）", "未点検"),
    }
    assert sorted({r[1] for r in new}) == sorted(f"別棟{n}" for n in range(1, 1501))


def test_the_demo_city_board_holds_every_subject_once_per_kind(demo_url: str) -> None:
    """The demo's register and its year of inspections: every building in use twice (the
    two 12条 kinds), every piece of play equipment and streetlight once, every site once,
    each with the next due of its latest inspection."""
    from tests.conftest import sql_value

    staff = signed_in(make_person("shisan@example.jp", "staff", department="assets"))
    body = staff.get("/api/inspections/due?status=all&limit=500").json()
    counts = body["counts"]
    expected = sql_value(
        demo_url,
        "SELECT 2 * (SELECT count(*) FROM facility_building WHERE in_use)"
        " + (SELECT count(*) FROM facility WHERE kind IN ('play_equipment', 'streetlight'))"
        " + (SELECT count(*) FROM school_route_site)",
    )
    assert sum(counts.values()) == body["numberMatched"] == expected > 300
    assert counts["overdue"] > 0 and counts["due_soon"] > 0 and counts["ok"] > 0
    everything: list[dict[str, Any]] = []
    for offset in range(0, body["numberMatched"], 500):
        page = staff.get(f"/api/inspections/due?status=all&limit=500&offset={offset}").json()
        everything += page["items"]
    keys = [(i["subject"]["layer"], i["subject"]["id"], i["kind"]["code"]) for i in everything]
    assert len(set(keys)) == len(keys) == expected
    with psycopg.connect(libpq_url(demo_url)) as conn:
        latest = {
            (row[0], row[1], row[2]): (row[3], row[4])
            for row in conn.execute(
                "SELECT DISTINCT ON (subject_layer, subject_id, kind) subject_layer, subject_id,"
                " kind, id, next_due::text FROM inspection"
                " ORDER BY subject_layer, subject_id, kind, inspected_on DESC, id DESC"
            )
        }
    for key, item in zip(keys, everything, strict=True):
        if item["last"] is None:
            assert key not in latest and item["status"] == "never"
        else:
            assert latest[key] == (item["last"]["id"], item["next_due"])
