"""Residents' personal information never appears in a public answer.

A canary resident and a canary contact are planted; every GET route is then called, as
callers who must not see them, and every answer is searched for the canary strings."""

from __future__ import annotations

import re
import subprocess

import psycopg
import pytest

from layers.registry import layer_ids
from layers.store.db import libpq_url
from tests.conftest import make_person
from tests.test_authorization import EXPECTED, World, _fill, build_world, client_for, route_table

CANARY_NAME = "カナリア花子"
CANARY_EMAIL = "canary.7f3a@example.jp"
CONTACT_EMAIL = "canary.contact.7f3a@example.jp"
CONTACT_PHONE = "090-7777-3141"
ORIGINAL_TEXT = "CANARY-ORIGINAL-7f3a 隣の山田さんの家の前"
DRAFT_NOTE = "DRAFT-NOTE-7f3a 4年2組の下書き"
# A group's walk: where its members went, and what they noticed, are the group's alone.
TRACK_LON = "138.3141593"
PATROL_NOTE = "PATROL-NOTE-7f3a 山田さん宅の前で"
# What an inspector found and wrote is staff's until released (issue 18).
FINDINGS = "FINDINGS-7f3a 手すりの腐食、山田さんの指摘"
PART_NOTE = "PART-NOTE-7f3a 舗装の陥没"
FOLLOW_UP = "FOLLOW-UP-7f3a 来週補修"
CANARIES = (
    CANARY_NAME,
    CANARY_EMAIL,
    CONTACT_EMAIL,
    CONTACT_PHONE,
    "7f3a",
    "7777-3141",
    TRACK_LON,
)


@pytest.fixture
def planted(db_url: str, no_rate_limits: None) -> World:
    world = build_world(db_url)
    person = make_person(CANARY_EMAIL, groups={int(world.params["group_id"]): "member"})
    point = "ST_SetSRID(ST_MakePoint(138.3190, 34.8670), 4326)"
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute(
            b"UPDATE user_account SET display_name = %s WHERE id = %s", (CANARY_NAME, person.id)
        )
        report = conn.execute(
            (
                "INSERT INTO report (public_id, tracking_token_hash, category_id, description,"
                " public_description, is_public, published_at, geom, reporter_user_id)"
                " SELECT 'R-CANARY', 'x', id, %s, '道路に穴があります', true, now(), "
                f"{point}, %s FROM report_category LIMIT 1 RETURNING id"
            ).encode(),
            (ORIGINAL_TEXT, person.id),
        ).fetchone()
        assert report is not None
        conn.execute(
            b"INSERT INTO report_contact (report_id, name, email, phone) VALUES (%s, %s, %s, %s)",
            (report[0], CANARY_NAME, CONTACT_EMAIL, CONTACT_PHONE),
        )
        # Neither an unpublished report nor a published one of a sensitive category may show
        # its text anywhere public (the latter only as a count per area).
        conn.execute(
            (
                "INSERT INTO report (public_id, tracking_token_hash, category_id, description,"
                " public_description, geom) SELECT 'R-HIDDEN', 'x', id, 'HIDDEN-7f3a',"
                f" 'HIDDEN-PUBLIC-7f3a', {point} FROM report_category LIMIT 1"
            ).encode()
        )
        conn.execute(
            (
                "WITH c AS (INSERT INTO report_category (code, name_ja, name_en, icon, sensitive)"
                " VALUES ('suspicious', '不審者', 'Suspicious person', 'eye', true) RETURNING id)"
                " INSERT INTO report (public_id, tracking_token_hash, category_id, description,"
                " public_description, is_public, published_at, geom) SELECT 'R-SENSITIVE', 'x',"
                f" id, 'SENSITIVE-7f3a', 'SENSITIVE-PUBLIC-7f3a', true, now(), {point} FROM c"
            ).encode()
        )
        # A pupil (the canary, a member of group A) writes a note on the class's draft map,
        # and adds a place to its published map: neither their name nor the draft leaks.
        conn.execute(
            b"INSERT INTO safety_map_feature (safety_map_id, kind, note, geom, author_user_id)"
            b" VALUES (%s, 'hard_to_see', %s, ST_SetSRID(ST_MakePoint(138.3190, 34.8670), 4326),"
            b" %s)",
            (world.params["map_id"], DRAFT_NOTE, person.id),
        )
        published = conn.execute(
            b"INSERT INTO safety_map (title, group_id, is_published, published_at)"
            b" VALUES (%s, %s, true, now()) RETURNING id",
            ("4年2組の地域安全マップ", world.params["group_id"]),
        ).fetchone()
        assert published is not None
        place = conn.execute(
            b"INSERT INTO safety_map_feature (safety_map_id, kind, note, geom, author_user_id)"
            b" VALUES (%s, 'easy_to_enter', %s, ST_SetSRID(ST_MakePoint(138.3191,"
            b" 34.8671), 4326), %s) RETURNING id",
            (published[0], "公園の裏", person.id),
        ).fetchone()
        assert place is not None
        conn.execute(
            b"INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type,"
            b" byte_size, sha256) VALUES ('safety_map_feature', %s, 'canary/7f3a.jpg',"
            b" 'image/jpeg', 10, 'x')",
            (place[0],),
        )
        walk = conn.execute(
            b"INSERT INTO patrol (group_id, title, started_at, source, recorded_by_user_id)"
            b" VALUES (%s, %s, now(), 'phone', %s) RETURNING id",
            (world.params["group_id"], "夕方の見守り", person.id),
        ).fetchone()
        assert walk is not None
        conn.execute(
            (
                "INSERT INTO patrol_point (patrol_id, seq, part, recorded_at, geom) SELECT %s,"
                " i, 0, now() + i * interval '5 seconds',"
                f" ST_SetSRID(ST_MakePoint({TRACK_LON} + i * 0.00005, 34.8671234), 4326)"
                " FROM generate_series(0, 9) i"
            ).encode(),
            (walk[0],),
        )
        conn.execute(
            b"UPDATE patrol SET route = (SELECT ST_Multi(ST_MakeLine(geom ORDER BY seq))"
            b" FROM patrol_point WHERE patrol_id = %s) WHERE id = %s",
            (walk[0], walk[0]),
        )
        conn.execute(
            (
                "INSERT INTO patrol_observation (patrol_id, note, author_user_id, geom,"
                " subject_layer, subject_id) VALUES (%s, %s, %s,"
                f" ST_SetSRID(ST_MakePoint({TRACK_LON}, 34.8671234), 4326), 'hazard', %s)"
            ).encode(),
            (walk[0], PATROL_NOTE, person.id, world.params["hazard_id"]),
        )
        # Group A shares its coverage with the city, which must still never show a track.
        conn.execute(
            b"UPDATE community_group SET share_coverage = true WHERE id = %s",
            (world.params["group_id"],),
        )
        # An inspection of the world's hazard, not released: its findings, part notes,
        # follow-up, inspector and photo are staff's until staff release them.
        inspection = conn.execute(
            b"INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on,"
            b" overall_grade, findings, follow_up_action, follow_up, inspector_name)"
            b" VALUES ('hazard', %s, 'other', '2026-10-01', 'D', %s, 'repair', %s, %s)"
            b" RETURNING id",
            (world.params["hazard_id"], FINDINGS, FOLLOW_UP, CANARY_NAME),
        ).fetchone()
        assert inspection is not None
        conn.execute(
            b"INSERT INTO inspection_part_grade (inspection_id, part, grade, note)"
            b" VALUES (%s, 'surface', 'D', %s)",
            (inspection[0], PART_NOTE),
        )
        inspection_photo = conn.execute(
            b"INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type,"
            b" byte_size, sha256) VALUES ('inspection', %s, 'canary/7f3a-inspection.jpg',"
            b" 'image/jpeg', 10, 'x') RETURNING id",
            (inspection[0],),
        ).fetchone()
        assert inspection_photo is not None
        world.params["inspection_id"] = str(inspection[0])
        world.params["inspection_photo_id"] = str(inspection_photo[0])
        world.params["walk_id"] = str(walk[0])
        world.params["published_map_id"] = str(published[0])
        world.params["published_place_id"] = str(place[0])
    return world


def _published_map_answers(world: World, role: str) -> list[tuple[str, str]]:
    """The published map as outsiders read it: no author's name, no unreleased photo."""
    m, place = world.params["published_map_id"], world.params["published_place_id"]
    client = client_for(world, role)
    answers = []
    for path in (
        f"/api/safety-maps/{m}",
        f"/api/safety-maps/{m}/features/{place}",
        f"/api/safety-maps/{m}/history",
        f"/api/safety-maps/{m}/deleted",
        "/api/safety-maps",
        f"/api/groups/{world.params['group_id']}/safety-maps",
    ):
        response = client.get(path)
        answers.append((f"GET {path} as {role} → {response.status_code}", response.text))
    assert client.get(f"/api/safety-maps/{m}").json()["feature_count"] == 1
    return answers


def _public_answers(world: World, role: str) -> list[tuple[str, str]]:
    answers = []
    for key, method, path in route_table(client_for(world, "anonymous").app):
        if method != "GET":
            continue
        expect = EXPECTED[key]
        paths = (
            [path.replace("{layer_id}", layer) for layer in layer_ids()]
            if "{layer_id}" in path
            else [path]
        )
        client = client_for(world, role)
        for p in paths:
            response = client.get(_fill(p, world, expect))
            answers.append((f"GET {p} as {role} → {response.status_code}", response.text))
    return answers


@pytest.mark.parametrize("role", ["anonymous", "resident", "member_b"])
def test_no_public_answer_contains_the_canary(planted: World, role: str) -> None:
    answers = _public_answers(planted, role) + _published_map_answers(planted, role)
    assert len(answers) >= 10
    leaks = [where for where, text in answers if any(c in text for c in CANARIES)]
    assert leaks == []


def test_staff_never_read_a_groups_walk_or_what_it_noticed(planted: World) -> None:
    """The city sees a group's coverage only aggregated, and only when the group shares it:
    never a track, a point of it or an observation's note."""
    answers = _public_answers(planted, "staff")
    assert len(answers) >= 10
    leaks = [where for where, text in answers if TRACK_LON in text or PATROL_NOTE in text]
    assert leaks == []


def test_the_walk_and_its_note_are_findable_by_the_group(planted: World) -> None:
    member = client_for(planted, "member_a")
    walk = member.get(f"/api/patrols/{planted.params['walk_id']}").text
    assert TRACK_LON in walk and PATROL_NOTE in walk
    records = member.get(f"/api/layers/hazard/features/{planted.params['hazard_id']}/records").text
    assert "PATROL-NOTE-7f3a" in records


def test_the_canary_is_findable_where_it_belongs(planted: World) -> None:
    """The search above can fail: an administrator's account list does show the address."""
    admin = client_for(planted, "admin")
    text = admin.get("/api/admin/users", params={"q": "canary"}).text
    assert CANARY_EMAIL in text


def test_the_draft_and_the_pupils_name_are_findable_by_the_group(planted: World) -> None:
    """The search can fail for maps too: the group's own members read both."""
    member = client_for(planted, "member_a")
    draft = member.get(f"/api/safety-maps/{planted.params['map_id']}").text
    assert DRAFT_NOTE in draft and CANARY_NAME in draft
    published = member.get(f"/api/safety-maps/{planted.params['published_map_id']}").text
    assert CANARY_NAME in published
    assert "/photos/" in published  # the unreleased photo is listed for members


def test_the_track_is_findable_by_the_group_and_never_in_the_citys_view(planted: World) -> None:
    """The search can fail for tracks too: the group's members read their patrol's route."""
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:  # coverage is measured in the city's plane zone
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    member = client_for(planted, "member_a")
    assert TRACK_LON in member.get(f"/api/patrols/{planted.params['walk_id']}").text
    city = client_for(planted, "staff").get("/api/coverage")
    assert city.status_code == 200
    assert TRACK_LON not in city.text and "夕方の見守り" not in city.text


def test_hidden_and_sensitive_reports_are_findable_by_staff(planted: World) -> None:
    """The search can fail for reports too: staff's queue does show both texts."""
    staff = client_for(planted, "staff")
    text = staff.get("/api/triage/reports", params={"department": "all"}).text
    assert "HIDDEN-7f3a" in text and "SENSITIVE-7f3a" in text


def test_an_inspections_findings_and_unreleased_photo_are_staffs_alone(planted: World) -> None:
    """The sweep above reads the planted inspection (its detail, its photo, its feature's
    records) as outsiders; here the search is shown to be able to fail: staff read it all,
    and the public reads the grade."""
    inspection, photo = planted.params["inspection_id"], planted.params["inspection_photo_id"]
    staff = client_for(planted, "staff").get(f"/api/inspections/{inspection}")
    assert staff.status_code == 200
    for written in (FINDINGS, PART_NOTE, FOLLOW_UP, CANARY_NAME):
        assert written in staff.text, written
    assert [p["id"] for p in staff.json()["photos"]] == [int(photo)]
    public = client_for(planted, "anonymous").get(f"/api/inspections/{inspection}")
    assert public.status_code == 200
    assert public.json()["overall_grade"] == "D" and public.json()["photos"] == []
    assert public.json()["parts"][0]["grade"] == "D"
    records = client_for(planted, "anonymous").get(
        f"/api/layers/hazard/features/{planted.params['hazard_id']}/records"
    )
    assert f"/api/inspections/{inspection}" in records.text


def test_the_printed_report_keeps_the_findings_staffs_until_released(planted: World) -> None:
    """The sweep reads the PDF as bytes, where text is compressed glyphs: here the printout is
    read back as text, and the same search fails for staff's copy."""
    inspection = planted.params["inspection_id"]

    def printed(role: str) -> str:
        answer = client_for(planted, role).get(f"/api/inspections/{inspection}.pdf")
        assert answer.status_code == 200, answer.text
        done = subprocess.run(
            ["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True
        )
        return bytes(done.stdout).decode()

    for role in ("anonymous", "resident", "member_b"):
        text = printed(role)
        assert "点検結果報告書" in text
        assert [c for c in (*CANARIES, FINDINGS, PART_NOTE, FOLLOW_UP) if c in text] == []
    staff = re.sub(r"\s+", " ", printed("staff"))
    for written in (FINDINGS, PART_NOTE, FOLLOW_UP, CANARY_NAME):
        assert re.sub(r"\s+", " ", written) in staff, written
