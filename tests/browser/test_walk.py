"""Recording a walk on a phone (/groups/{gid}/walk, 390×844), as a 見守り volunteer walks a
real school route of the demo city: the phone's place is moved step by step along the
route (Playwright's geolocation override), the connection drops in the middle, the page is
reloaded offline (the service worker opens it, the walk resumes from IndexedDB), the
walker keeps moving, the connection returns, the walk is stopped and sent. The first
answer to the upload is lost on the way back, so the page sends it again: the database
then holds the patrol exactly once with every fix the page kept. Poor fixes (a 200 m
accuracy radius, a jump of two kilometres) are dropped and counted on the page and on the
server alike; the reload is a gap, drawn as a new line part."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from pyproj import Geod

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible
from tests.browser.test_group_pages import Caller
from tests.conftest import Person
from tests.test_photos import camera_jpeg

GEOD = Geod(ellps="GRS80")
STEP_M = 10.0  # under 60 km/h even when two fixes arrive within the same second


@dataclass
class Walkers:
    group_id: int
    leader: Person
    staff: Person


@pytest.fixture
def walkers(live_server: LiveServer) -> Walkers:
    tag = uuid.uuid4().hex[:6]
    staff = live_server.person(f"seikatsu-{tag}@example.jp", "staff", "education")
    leader = live_server.person(f"mimamori-{tag}@example.jp")
    group = Caller(live_server, staff).send(
        "POST",
        "/api/groups",
        201,
        {
            "name": f"港小見守り隊 {tag}",
            "kind": "crime_prevention_volunteer",
            "leader_email": leader.email,
        },
    )
    return Walkers(group["id"], leader, staff)


def school_route(server: LiveServer) -> list[tuple[float, float]]:
    """The demo city's longest school route, as stored, cut into steps of STEP_M metres."""
    geojson = server.sql(
        "SELECT ST_AsGeoJSON(ST_LineMerge(geom)) FROM safety_map_feature "
        "WHERE kind = 'school_route' AND GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING') "
        "ORDER BY ST_Length(geom::geography) DESC LIMIT 1"
    )
    assert geojson, "the demo city has a school route"
    geometry = json.loads(geojson)
    line = (
        geometry["coordinates"] if geometry["type"] == "LineString" else geometry["coordinates"][0]
    )
    steps = [tuple(line[0])]
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        azimuth, _, length = GEOD.inv(x0, y0, x1, y1)
        walked = STEP_M
        while walked < length:
            x, y, _ = GEOD.fwd(x0, y0, azimuth, walked)
            steps.append((x, y))
            walked += STEP_M
        steps.append((x1, y1))
    return steps


class Phone:
    """The walker's phone: its place, and what the page has counted."""

    def __init__(self, page: Any, route: list[tuple[float, float]]) -> None:
        self.page = page
        self.route = route
        self.at = 0
        self.sent = 0  # fixes the page was given

    def figure(self, label: str) -> Any:
        return self.page.locator(".walk-figure", has_text=label).locator("dd")

    def place(self, lon: float, lat: float, accuracy: float = 5.0) -> None:
        self.page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": accuracy})

    def walk(self, steps: int, kept: int) -> int:
        """Moves on `steps` steps along the route, each waited for on the page."""
        for _ in range(steps):
            self.at += 1
            self.place(*self.route[self.at])
            self.sent += 1
            kept += 1
            expect(self.figure("記録した点")).to_have_text(str(kept))
        return kept


def show_map(page: Any) -> None:
    page.wait_for_function("() => window.machimap?.map")
    page.evaluate(
        """() => new Promise((done) => {
            const map = window.machimap.map;
            if (map.loaded()) done(); else map.once("idle", done);
        })"""
    )
    page.locator("#walk-map").scroll_into_view_if_needed()


def test_a_walk_survives_going_offline_and_a_reload_and_arrives_once(
    browse: Browse, live_server: LiveServer, walkers: Walkers
) -> None:
    route = school_route(live_server)
    assert len(route) > 60, "a school route long enough to walk"
    gid = walkers.group_id
    page = browse.open(
        "",
        viewport=PHONE,
        permissions=["geolocation"],
        geolocation={"longitude": route[0][0], "latitude": route[0][1], "accuracy": 5},
    )
    phone = Phone(page, route)
    page.goto(f"/groups/{gid}/walk")

    # Signed out: the page asks for the member's sign-in, on the page itself.
    expect(page.get_by_text("グループのメンバーとしてログイン")).to_be_visible()
    page.get_by_label("メールアドレス").fill(walkers.leader.email)
    page.get_by_label("パスワード").fill(walkers.leader.password)
    page.get_by_role("button", name="ログイン").click()

    expect(page.get_by_role("heading", name="記録を始める")).to_be_visible()
    expect(page.get_by_text("画面をつけたままにしてください")).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "1-setup")
    page.get_by_label("種類").select_option("school_watch")
    expect(page.get_by_label("題名")).to_have_value(re.compile("^登下校の見守り "))
    page.get_by_label("参加人数").fill("3")
    page.get_by_role("button", name="記録を始める").click()

    # Watching starts with the phone's current place: the first fix.
    phone.sent = 1
    expect(phone.figure("記録した点")).to_have_text("1")
    kept = phone.walk(8, 1)
    expect(page.get_by_text("記録中", exact=True)).to_be_visible()
    assert_accessible(page)
    show_map(page)
    browse.shot(page, "2-walking")

    # A fix with a 200 m accuracy radius, then one two kilometres off: both dropped.
    lon, lat = route[phone.at]
    phone.place(lon, lat + 0.00005, accuracy=200)
    phone.sent += 1
    expect(phone.figure("除いた点")).to_have_text("1")
    far = GEOD.fwd(lon, lat, 90, 2000)
    phone.place(far[0], far[1])
    phone.sent += 1
    expect(phone.figure("除いた点")).to_have_text("2")
    expect(page.get_by_text("時速 60 km を超える動きの点 1")).to_be_visible()
    kept = phone.walk(6, kept)

    # On the school route a street light is out: an observation with a photo, about the
    # nearest place offered, told to the city.
    page.get_by_role("button", name="気づいたこと").click()
    page.get_by_label("気づいたこと（必須）").fill("通学路の街灯が消えていて、夜は足元が見えない。")
    page.get_by_label("写真（カメラで撮る）").set_input_files(
        [{"name": "light.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    about = page.get_by_label("近くの場所について")
    expect(about).to_be_visible()  # offered once the server has answered, nearest first
    about.select_option(index=1)
    chosen = about.evaluate("(select) => select.value")
    page.get_by_label("市に知らせる").check()
    category = page.get_by_label("通報の種類")
    expect(category.locator("option")).not_to_have_count(1)
    category.select_option(index=1)
    category_code = category.evaluate("(select) => select.value")
    assert_accessible(page)
    browse.shot(page, "2b-observation")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("記録と一緒に送り、市に知らせます。")).to_be_visible()

    # The connection drops; recording goes on, and the page is reloaded without it.
    page.context.set_offline(True)
    kept = phone.walk(3, kept)
    page.get_by_role("button", name="気づいたこと").click()
    page.get_by_label("気づいたこと（必須）").fill("公園の入口の柵が壊れている。")
    page.get_by_label("写真（カメラで撮る）").set_input_files(
        [{"name": "fence.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("記録と一緒に送ります。")).to_be_visible()
    kept = phone.walk(3, kept)
    page.reload()
    expect(page.get_by_text("この端末に残っていた記録を続けています")).to_be_attached()
    # Watching starts again with the current place: a fix of its own, in a new stretch.
    phone.sent += 1
    kept += 1
    expect(phone.figure("記録した点")).to_have_text(str(kept))
    expect(phone.figure("除いた点")).to_have_text("2")
    show_map(page)
    browse.shot(page, "3-reloaded-offline")
    expect(page.locator(".walk-obs")).to_have_count(2)  # both kept, photos and all
    kept = phone.walk(8, kept)
    assert_accessible(page)

    # Online again, a few more steps, then stop. The first answer to the upload is lost on
    # its way back (the patrol was made): the page keeps the walk and sends it again.
    page.context.set_offline(False)
    kept = phone.walk(6, kept)
    posts: list[int] = []

    def lose_first_answer(route: Any) -> None:
        answer = route.fetch()
        posts.append(answer.status)
        if len(posts) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    page.route(f"**/api/groups/{gid}/patrols", lose_first_answer)
    browse.watched(page).allowed_errors.append(re.compile("ERR_CONNECTION_RESET"))
    page.get_by_role("button", name="終了").click()
    expect(page.get_by_text("記録を終えて、グループに送りますか？")).to_be_visible()
    page.get_by_role("button", name="終えて送る").click()
    expect(page.locator(".notice", has_text="今は送れませんでした")).to_be_visible()
    browse.shot(page, "4-answer-lost")
    page.get_by_role("button", name="今すぐ送る").click()
    expect(page.get_by_role("heading", name="記録を送りました")).to_be_visible()
    assert posts == [201, 201]
    browse.shot(page, "5-sent")
    assert_accessible(page)

    # Exactly once, with every fix the page kept; the drops counted as the page counted them.
    assert live_server.sql("SELECT count(*) FROM patrol WHERE group_id = %s", gid) == 1
    pid = live_server.sql("SELECT id FROM patrol WHERE group_id = %s", gid)
    points = live_server.sql("SELECT count(*) FROM patrol_point WHERE patrol_id = %s", pid)
    assert points == kept == phone.sent - 2
    assert (
        live_server.sql(
            "SELECT dropped_inaccurate || '/' || dropped_too_fast FROM patrol WHERE id = %s", pid
        )
        == "1/1"
    )
    # The reload is a gap: two parts, the route a MultiLineString of two lines.
    assert live_server.sql("SELECT max(part) FROM patrol_point WHERE patrol_id = %s", pid) == 1
    assert live_server.sql("SELECT ST_NumGeometries(route) FROM patrol WHERE id = %s", pid) == 2
    assert (
        live_server.sql("SELECT kind || '/' || participants FROM patrol WHERE id = %s", pid)
        == "school_watch/3"
    )
    # The page shows the server's figures, and the walk is gone from the device.
    result = page.locator(".walk-result .walk-figure")
    expect(result.filter(has_text="記録した点").locator("dd")).to_have_text(str(points))
    expect(result.filter(has_text="途切れ").locator("dd")).to_have_text("1")
    # Both observations arrived once, with their photos; the first is a report the city's
    # staff see as coming from this group's patrol.
    reported = page.locator(".walk-obs", has_text="街灯")
    expect(reported).to_contain_text("市に知らせました")
    public_id = re.search(r"受付番号 (\S+)）", reported.inner_text())
    assert public_id
    expect(reported.get_by_role("link", name="対応の状況を見る")).to_have_attribute(
        "href", re.compile(public_id.group(1))
    )
    assert live_server.sql("SELECT count(*) FROM patrol_observation WHERE patrol_id = %s", pid) == 2
    assert (
        live_server.sql(
            "SELECT count(*) FROM attachment a JOIN patrol_observation o ON o.id = a.subject_id "
            "WHERE a.subject_layer = 'patrol_observation' AND o.patrol_id = %s",
            pid,
        )
        == 2
    )
    layer, subject = chosen.split(":")
    assert (
        live_server.sql(
            "SELECT subject_layer || ':' || subject_id FROM patrol_observation "
            "WHERE patrol_id = %s AND report_id IS NOT NULL",
            pid,
        )
        == f"{layer}:{subject}"
    )
    staff = Caller(live_server, walkers.staff)
    report = staff.send("GET", f"/api/reports/{public_id.group(1)}", 200)
    assert report["category"]["code"] == category_code
    assert report["patrol"]["group_id"] == gid
    assert report["patrol"]["patrol_id"] == pid
    left = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("machimap-walk");
            open.onsuccess = () => {
                const req = open.result.transaction("walks").objectStore("walks").count();
                req.onsuccess = () => resolve(req.result);
            };
        })"""
    )
    assert left == 0

    # The group's page lists it for members, with the link to record another.
    page.get_by_role("link", name="グループのページへ").last.click()
    expect(page.get_by_role("heading", name="パトロール", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="パトロールを記録する")).to_be_visible()
    expect(page.locator(".map-item", has_text="登下校の見守り")).to_contain_text(f"{points} 点")
    browse.shot(page, "6-group-page")


def test_a_paused_walk_in_english_keeps_the_pause_as_a_gap(
    browse: Browse, live_server: LiveServer, walkers: Walkers
) -> None:
    """Pause and Resume: the time in between is no line (a new part), and the page does not
    call it a failure to record; stopped offline, the walk goes when the connection returns.
    The page in English, accessible while paused."""
    route = school_route(live_server)
    gid = walkers.group_id
    page = browse.open(
        "",
        viewport=PHONE,
        permissions=["geolocation"],
        geolocation={"longitude": route[0][0], "latitude": route[0][1], "accuracy": 5},
    )
    phone = Phone(page, route)
    page.goto(f"/groups/{gid}/walk?lang=en")
    page.get_by_label("E-mail").fill(walkers.leader.email)
    page.get_by_label("Password").fill(walkers.leader.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Start recording")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(re.compile("^Crime-prevention patrol "))
    page.get_by_role("button", name="Start recording").click()
    expect(phone.figure("Points kept")).to_have_text("1")
    kept = 1
    for _ in range(4):
        phone.at += 1
        phone.place(*route[phone.at])
        kept += 1
        expect(phone.figure("Points kept")).to_have_text(str(kept))
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused", exact=True)).to_be_visible()
    # Moved while paused: nothing is recorded.
    phone.place(*route[phone.at + 3])
    expect(phone.figure("Points kept")).to_have_text(str(kept))
    assert_accessible(page)
    browse.shot(page, "1-paused-en")
    phone.at += 3
    page.get_by_role("button", name="Resume").click()
    kept += 1  # watching again starts with the current place
    expect(phone.figure("Points kept")).to_have_text(str(kept))
    for _ in range(3):
        phone.at += 1
        phone.place(*route[phone.at])
        kept += 1
        expect(phone.figure("Points kept")).to_have_text(str(kept))
    expect(page.get_by_text("Could not record")).to_have_count(0)
    # Stopped without a connection: kept, and sent by itself when the connection returns.
    page.context.set_offline(True)
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Finish and send").click()
    expect(page.locator(".notice", has_text="You are offline. The walk is kept")).to_be_visible()
    assert live_server.sql("SELECT count(*) FROM patrol WHERE group_id = %s", gid) == 0
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Walk sent")).to_be_visible()
    browse.shot(page, "2-sent-en")
    pid = live_server.sql("SELECT id FROM patrol WHERE group_id = %s", gid)
    assert live_server.sql("SELECT count(*) FROM patrol_point WHERE patrol_id = %s", pid) == kept
    # Two parts; the line never joins the place of the pause to the place of the resume.
    assert live_server.sql("SELECT max(part) FROM patrol_point WHERE patrol_id = %s", pid) == 1
    assert live_server.sql("SELECT ST_NumGeometries(route) FROM patrol WHERE id = %s", pid) == 2
