"""A group member imports a GPS logger's file on the group's page, on a phone: the walk along
a real school route of the demo city becomes a patrol; a broken file is refused with the
file's name and what is wrong, and nothing is stored."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect
from shapely.geometry import shape

from tests.browser.conftest import PHONE, Browse, assert_accessible, sign_in
from tests.test_gpx import MORNING, gpx_file, trkpt, walk_along


def test_a_member_imports_a_gpx_file_on_the_group_page(browse: Browse) -> None:
    server = browse.server
    tag = uuid.uuid4().hex[:6]
    staff = server.person(f"gpx-kyoiku-{tag}@example.jp", "staff", "education")
    leader = server.person(f"gpx-mimamori-{tag}@example.jp")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.post("/auth/login", json={"email": staff.email, "password": staff.password})
        csrf = login.cookies["mm_csrf"]
        made = client.post(
            "/api/groups",
            json={
                "name": f"和田見守り隊 {tag}",
                "kind": "crime_prevention_volunteer",
                "leader_email": leader.email,
            },
            headers={
                "Cookie": f"mm_session={login.cookies['mm_session']}; mm_csrf={csrf}",
                "X-CSRF-Token": csrf,
            },
        )
        assert made.status_code == 201, made.text
    group_id = made.json()["id"]
    route = server.sql(
        "SELECT ST_AsGeoJSON(geom)::json FROM safety_map_feature WHERE kind = 'school_route'"
        " AND ST_Length(geom::geography) BETWEEN 400 AND 1500 ORDER BY id LIMIT 1"
    )
    points = walk_along(shape(route), MORNING)
    good = gpx_file([("朝の見守り", [[trkpt(p) for p in points]])])

    page = browse.open("", viewport=PHONE)
    sign_in(page, leader)
    expect(page.get_by_text(re.compile("ログアウト|Sign out")).first).to_be_visible()
    page.goto(f"/groups/{group_id}")
    section = page.get_by_role("region", name="GPXファイルから取り込む")
    expect(section).to_be_visible()
    section.get_by_label("GPXファイル（.gpx または .zip）").set_input_files(
        {"name": "eTrex_20261207.gpx", "mimeType": "application/gpx+xml", "buffer": good}
    )
    section.get_by_label("活動の種類").select_option("school_watch")
    section.get_by_label("参加人数").fill("4")
    section.scroll_into_view_if_needed()
    browse.shot(page, "chosen")
    section.get_by_role("button", name="取り込む").click()
    # The page's outcome line (the coverage section has a status line of its own).
    expect(page.locator("p.outcome[role=status]")).to_have_text(
        "1件のパトロール記録を取り込みました。"
    )
    browse.shot(page, "imported")
    stored = server.sql(
        "SELECT json_build_object('n', count(*), 'kind', min(kind), 'people', min(participants),"
        " 'points', (SELECT count(*) FROM patrol_point t JOIN patrol p ON p.id = t.patrol_id"
        " WHERE p.group_id = %s)) FROM patrol WHERE group_id = %s AND source = 'gpx'",
        group_id,
        group_id,
    )
    assert stored == {"n": 1, "kind": "school_watch", "people": 4, "points": len(points)}
    assert_accessible(page)

    # The browser logs the refusal's 400 itself; the page says what is wrong.
    browse.watched(page).allowed_errors.append(re.compile(r"status of 400 .*/patrols/gpx"))
    section = page.get_by_role("region", name="GPXファイルから取り込む")
    section.get_by_label("GPXファイル（.gpx または .zip）").set_input_files(
        {"name": "photo.gpx", "mimeType": "application/gpx+xml", "buffer": b"\xff\xd8\xff"}
    )
    section.get_by_role("button", name="取り込む").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("photo.gpx: XML として読めません")
    browse.shot(page, "refused")
    assert server.sql("SELECT count(*) FROM patrol WHERE group_id = %s", group_id) == 1
    assert_accessible(page)
