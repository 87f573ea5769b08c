"""Recording and reading inspections through the API (issue 18): a 12条 inspection of a
building with its five parts and a photo, each rule's refusal naming its field, a retry
stored once, what the public reads before and after release, and the records link."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from layers.store.db import libpq_url
from tests.conftest import Person, make_person, new_client, signed_in, sql_value
from tests.test_photos import camera_jpeg

CITY_HALL = (138.3187, 34.8669)
FINDINGS = "FINDING-7f3a 北面外壁にひび割れ、落下の恐れ"
NOTE = "NOTE-7f3a 防水層の膨れ"
INSPECTOR = "一級建築士 検査花子"
# One photo's bytes for every send: a retry sends what the phone kept, byte for byte.
PHOTO = functools.cache(camera_jpeg)
PARTS = ("roof", "exterior_wall", "interior", "electrical", "mechanical")


@dataclass
class Place:
    url: str
    park: int
    hall: int
    swing: int
    building: int
    staff: Person
    admin: Person
    resident: Person

    def count(self, table: str = "inspection") -> int:
        return int(sql_value(self.url, f"SELECT count(*) FROM {table}"))


def _point(conn: psycopg.Connection[Any], sql: str, *params: Any) -> int:
    row = conn.execute(sql, (*params, *CITY_HALL)).fetchone()
    assert row
    return int(row[0])


def make_place(url: str) -> Place:
    """A park with a swing, a 公民館 with its main building, and the people who act."""
    make_person("assets@example.jp", "staff", department="assets")
    with psycopg.connect(libpq_url(url)) as conn:
        assets = conn.execute("SELECT id FROM department WHERE code = 'assets'").fetchone()
        assert assets
        conn.execute(
            "UPDATE inspection_kind SET department_id = %s WHERE code = 'building_article12'",
            assets,
        )
        at = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
        park = _point(
            conn,
            f"INSERT INTO facility (kind, name, geom) VALUES ('park', '本町公園', {at}) "
            "RETURNING id",
        )
        hall = _point(
            conn,
            "INSERT INTO facility (kind, name, geom) VALUES ('kominkan', '中央公民館', "
            f"{at}) RETURNING id",
        )
        swing = _point(
            conn,
            "INSERT INTO facility (kind, name, parent_facility_id, geom) VALUES "
            f"('play_equipment', 'ぶらんこ', %s, {at}) RETURNING id",
            park,
        )
        building = conn.execute(
            "INSERT INTO facility_building (facility_id, name, built_year) "
            "VALUES (%s, '本館', 1975) RETURNING id",
            (hall,),
        ).fetchone()
        assert building
    return Place(
        url,
        park,
        hall,
        swing,
        building[0],
        make_person("inspector@example.jp", "staff", department="parks"),
        make_person("admin@example.jp", "admin"),
        make_person("resident@example.jp"),
    )


@pytest.fixture
def place(db_url: str, no_rate_limits: None) -> Place:
    return make_place(db_url)


def article12(place: Place, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject_layer": "facility_building",
        "subject_id": place.building,
        "kind": "building_article12",
        "inspected_on": "2026-10-01",
        "overall_grade": "C",
        "hazard_level": None,
        "parts": [
            {"part": p, "grade": "C" if p == "exterior_wall" else "B", "note": None} for p in PARTS
        ],
        "findings": FINDINGS,
        "follow_up_action": "repair",
        "follow_up_due": "2027-03-31",
        "follow_up": "外壁改修を来年度予算で",
        "inspector_name": INSPECTOR,
    }
    body["parts"][0]["note"] = NOTE
    body.update(changes)
    return body


def send(
    client: TestClient,
    body: dict[str, Any],
    photos: int = 0,
    key: str | None = None,
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    # The phone's form: the inspection as a JSON part (no file name), then the photos.
    files: list[tuple[str, Any]] = [
        ("inspection", (None, json.dumps(body, ensure_ascii=False), "application/json"))
    ]
    files += [("photos", (f"IMG_{i}.jpg", PHOTO(), "image/jpeg")) for i in range(photos)]
    return client.post("/api/inspections", files=files, headers=headers)


def test_a_12条_inspection_with_five_parts_and_a_photo(place: Place) -> None:
    staff = signed_in(place.staff)
    answer = send(staff, article12(place), photos=1)
    assert answer.status_code == 201, answer.text
    found = answer.json()
    assert answer.headers["location"] == f"/api/inspections/{found['id']}"
    assert answer.headers["etag"].removeprefix("W/") == '"1"'
    assert found["subject"]["name"] == "中央公民館 本館"
    assert found["subject"]["facility_id"] == place.hall
    assert found["subject"]["geometry"] == {"type": "Point", "coordinates": list(CITY_HALL)}
    assert found["kind"]["code"] == "building_article12" and found["kind"]["grading"] == "parts"
    assert [(p["part"], p["grade"]) for p in found["parts"]] == [
        ("roof", "B"),
        ("exterior_wall", "C"),
        ("interior", "B"),
        ("electrical", "B"),
        ("mechanical", "B"),
    ]
    assert found["parts"][0]["ja"] == "屋根・屋上" and found["parts"][0]["note"] == NOTE
    # 36 months after, by PostgreSQL's calendar; the kind's department, the caller inspected.
    assert found["next_due"] == "2029-10-01"
    assert found["department"]["id"] == sql_value(
        place.url, "SELECT id FROM department WHERE code = 'assets'"
    )
    assert found["inspector"] == {"name": INSPECTOR}
    assert sql_value(place.url, "SELECT inspector_user_id FROM inspection") == place.staff.id
    assert found["findings"] == FINDINGS and found["follow_up_action"] == "repair"
    assert found["links"] == {
        "pdf": f"/api/inspections/{found['id']}.pdf",
        "page": f"/inspections/{found['id']}",
    }
    assert found["released"] is False
    [photo] = found["photos"]
    image = staff.get(photo["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert staff.get(photo["thumbnail_url"]).status_code == 200
    assert staff.get(f"/api/inspections/{found['id']}").json() == found


def test_the_public_reads_the_grades_and_never_the_findings_until_released(
    place: Place,
) -> None:
    staff = signed_in(place.staff)
    found = send(staff, article12(place), photos=1).json()
    photo_url = found["photos"][0]["url"]
    for client in (new_client(), signed_in(place.resident)):
        public = client.get(f"/api/inspections/{found['id']}")
        assert public.status_code == 200
        seen = public.json()
        assert seen["overall_grade"] == "C" and seen["inspected_on"] == "2026-10-01"
        assert [p["grade"] for p in seen["parts"]] == ["B", "C", "B", "B", "B"]
        assert all(p["note"] is None for p in seen["parts"])
        for withheld in ("findings", "follow_up_action", "follow_up_due", "follow_up"):
            assert seen[withheld] is None, withheld
        assert seen["inspector"] is None and seen["photos"] == []
        assert FINDINGS not in public.text and NOTE not in public.text
        assert INSPECTOR not in public.text
        assert client.get(photo_url).status_code == 404
        assert client.get(photo_url + "/thumbnail").status_code == 404
    assert new_client().get("/api/inspections/999999").status_code == 404


def test_releasing_needs_if_match_and_publishes_findings_and_photos(place: Place) -> None:
    staff = signed_in(place.staff)
    found = send(staff, article12(place), photos=1).json()
    url = f"/api/inspections/{found['id']}"
    assert staff.patch(url, json={"released": True}).status_code == 428
    stale = staff.patch(url, json={"released": True}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.headers["etag"].removeprefix("W/") == '"1"'
    released = staff.patch(url, json={"released": True}, headers={"If-Match": '"1"'})
    assert released.status_code == 200, released.text
    assert (
        released.headers["etag"].removeprefix("W/") == '"2"' and released.json()["released"] is True
    )
    assert sql_value(place.url, "SELECT released_at IS NOT NULL FROM inspection")
    assert sql_value(place.url, "SELECT bool_and(is_public) FROM attachment")

    public = new_client().get(url).json()
    assert public["findings"] == FINDINGS and public["parts"][0]["note"] == NOTE
    assert public["inspector"] == {"name": INSPECTOR}
    [photo] = public["photos"]
    assert new_client().get(photo["url"]).status_code == 200

    withdrawn = staff.patch(url, json={"released": False}, headers={"If-Match": '"2"'})
    assert withdrawn.status_code == 200 and withdrawn.json()["released"] is False
    assert sql_value(place.url, "SELECT released_at IS NULL FROM inspection")
    assert not sql_value(place.url, "SELECT bool_or(is_public) FROM attachment")
    again = new_client().get(url).json()
    assert again["findings"] is None and again["photos"] == []
    assert new_client().get(photo["url"]).status_code == 404


def test_staff_change_the_follow_up_and_residents_change_nothing(place: Place) -> None:
    found = send(signed_in(place.staff), article12(place)).json()
    url = f"/api/inspections/{found['id']}"
    resident = signed_in(place.resident)
    assert (
        resident.patch(url, json={"findings": "x"}, headers={"If-Match": '"1"'}).status_code == 403
    )
    assert new_client().patch(url, json={"findings": "x"}).status_code == 401
    other_staff = signed_in(make_person("road@example.jp", "staff", department="road"))
    changed = other_staff.patch(
        url,
        json={"follow_up": "補修済み", "follow_up_due": "2027-01-31"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["follow_up"] == "補修済み"
    before = other_staff.patch(
        url, json={"follow_up_due": "2026-09-01"}, headers={"If-Match": '"2"'}
    )
    assert before.status_code == 422 and before.json()["field"] == "follow_up_due"
    # The grades and the date are what was found that day.
    assert (
        other_staff.patch(url, json={"overall_grade": "A"}, headers={"If-Match": '"2"'}).status_code
        == 400
    )


def _rule_cases(place: Place) -> list[tuple[str, dict[str, Any]]]:
    parts = article12(place)["parts"]
    today = date.today()
    return [
        ("kind", {"kind": "castle_inspection"}),
        ("subject_layer", {"subject_layer": "castle"}),
        ("subject_id", {"subject_id": place.building + 1000}),
        ("subject_id", {"subject_layer": "facility", "subject_id": place.swing}),
        ("parts", {"parts": [*parts, {"part": "chimney", "grade": "A"}]}),
        ("parts", {"parts": parts[:4]}),
        ("parts", {"parts": [*parts[:4], parts[0]]}),
        ("inspected_on", {"inspected_on": (today + timedelta(days=2)).isoformat()}),
        ("inspected_on", {"inspected_on": "1949-12-31"}),
        ("follow_up_due", {"follow_up_due": "2026-09-30"}),
    ]


def test_each_rule_refuses_naming_the_field_and_writes_nothing(place: Place) -> None:
    staff = signed_in(place.staff)
    for field, changes in _rule_cases(place):
        answer = send(staff, article12(place, **changes), photos=1)
        assert answer.status_code == 422, (field, answer.text)
        problem = answer.json()
        assert problem["field"] == field, (changes, problem)
        assert problem["detail"].startswith(field) and problem.get("detail_ja"), problem
    jpfa = {
        "subject_layer": "facility",
        "subject_id": place.swing,
        "kind": "playground",
        "inspected_on": "2026-10-01",
        "overall_grade": "B",
    }
    no_hazard = send(staff, jpfa)
    assert no_hazard.status_code == 422 and no_hazard.json()["field"] == "hazard_level"
    # A playground inspection is of play equipment, not of the park it stands in.
    of_park = send(staff, {**jpfa, "subject_id": place.park, "hazard_level": 0})
    assert of_park.status_code == 422 and of_park.json()["field"] == "subject_id"
    sql_value(
        place.url, "UPDATE inspection_kind SET active = false WHERE code = 'daily' RETURNING 1"
    )
    inactive = send(staff, {**jpfa, "kind": "daily"})
    assert inactive.status_code == 422 and inactive.json()["field"] == "kind"
    for broken in ({**jpfa, "overall_grade": "E"}, {**jpfa, "hazard_level": 4}, {"kind": 1}):
        assert send(staff, broken).status_code == 400
    no_json = staff.post("/api/inspections", files={"inspection": (None, "{not json")})
    assert no_json.status_code == 400
    assert place.count() == 0 and place.count("attachment") == 0


def test_a_retry_with_its_key_is_stored_once_and_a_reused_key_is_refused(place: Place) -> None:
    staff = signed_in(place.staff)
    first = send(staff, article12(place), photos=1, key="walk-2026-10-01-0001")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = send(staff, article12(place), photos=1, key="walk-2026-10-01-0001")
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert place.count() == 1 and place.count("attachment") == 1
    other = send(staff, article12(place, overall_grade="D"), photos=1, key="walk-2026-10-01-0001")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    # Another inspector's key is theirs: the same key never answers with someone else's row.
    colleague = signed_in(make_person("road@example.jp", "staff", department="road"))
    assert (
        send(colleague, article12(place), photos=1, key="walk-2026-10-01-0001").status_code == 422
    )
    assert place.count() == 1


def test_who_records_and_who_lists(place: Place) -> None:
    assert send(new_client(), article12(place)).status_code == 401
    assert send(signed_in(place.resident), article12(place)).status_code == 403
    staff = signed_in(place.staff)
    older = send(staff, article12(place, inspected_on="2023-10-01")).json()
    newer = send(staff, article12(place)).json()
    listed = staff.get(
        "/api/inspections",
        params={"subject_layer": "facility_building", "subject_id": place.building},
    )
    assert listed.status_code == 200
    body = listed.json()
    assert body["matched"] == 2
    assert [i["id"] for i in body["inspections"]] == [newer["id"], older["id"]]
    assert "parts" not in body["inspections"][0] and "photos" not in body["inspections"][0]
    assert body["inspections"][0]["subject"]["name"] == "中央公民館 本館"
    paged = staff.get("/api/inspections", params={"limit": 1}).json()
    assert [link["rel"] for link in paged["links"]] == ["self", "next"]
    assert staff.get("/api/inspections", params={"kind": "playground"}).json()["matched"] == 0
    assert new_client().get("/api/inspections").status_code == 401
    assert signed_in(place.resident).get("/api/inspections").status_code == 403


def test_the_next_due_date_of_a_leap_day_is_the_end_of_february(place: Place) -> None:
    staff = signed_in(place.staff)
    found = send(
        staff,
        {
            "subject_layer": "facility",
            "subject_id": place.swing,
            "kind": "playground",
            "inspected_on": "2024-02-29",
            "overall_grade": "A",
            "hazard_level": 0,
        },
    ).json()
    assert found["next_due"] == "2025-02-28"
    daily = send(
        staff,
        {
            "subject_layer": "facility",
            "subject_id": place.swing,
            "kind": "daily",
            "inspected_on": "2024-03-01",
            "overall_grade": "A",
        },
    ).json()
    assert daily["next_due"] is None  # 日常点検 has no interval: never due


def test_the_feature_records_link_to_the_inspection(place: Place) -> None:
    staff = signed_in(place.staff)
    found = send(
        staff,
        {
            "subject_layer": "facility",
            "subject_id": place.swing,
            "kind": "playground",
            "inspected_on": "2026-10-01",
            "overall_grade": "B",
            "hazard_level": 1,
            "findings": FINDINGS,
        },
    ).json()
    records = new_client().get(f"/api/layers/facility/features/{place.swing}/records")
    assert records.status_code == 200
    [record] = [r for r in records.json()["records"] if r["kind"] == "inspection"]
    assert record["href"] == f"/api/inspections/{found['id']}"
    assert record["page"] == f"/inspections/{found['id']}"
    assert FINDINGS not in records.text
    followed = new_client().get(record["href"])
    assert followed.status_code == 200 and followed.json()["overall_grade"] == "B"


def test_a_school_route_site_is_read_as_its_site_is(place: Place) -> None:
    """Unpublished, a site is staff's and its school's groups'; so is its inspection."""
    with psycopg.connect(libpq_url(place.url)) as conn:
        school = _point(
            conn,
            "INSERT INTO facility (kind, name, geom) VALUES ('school', '本町小学校', "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
        )
        site = _point(
            conn,
            "INSERT INTO school_route_site (school_facility_id, fiscal_year, number, geom) "
            "VALUES (%s, 2026, '3', ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
            school,
        )
    found = send(
        signed_in(place.staff),
        {
            "subject_layer": "school_route_site",
            "subject_id": site,
            "kind": "school_route",
            "inspected_on": "2026-07-15",
            "overall_grade": "C",
        },
    )
    assert found.status_code == 201, found.text
    assert found.json()["subject"]["name"] == "本町小学校 箇所3"
    assert found.json()["next_due"] == "2027-07-15"
    url = f"/api/inspections/{found.json()['id']}"
    assert new_client().get(url).status_code == 404
    sql_value(
        place.url,
        "UPDATE school_route_site SET is_published = true WHERE id = %s RETURNING 1",
        site,
    )
    assert new_client().get(url).status_code == 200
