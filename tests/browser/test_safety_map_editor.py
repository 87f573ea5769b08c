"""The safety map editor (/groups/{gid}/maps/{mid}) as a group uses it: on a phone during a
walk a member adds a place with a photo; a second member changes their own place and is
refused on the first member's; two people saving the same place meet the conflict panel and
nothing is lost; a deleted place comes back from its history; the leader blurs a photo and
publishes. Real accounts, a real group and real requests; the database says what happened,
axe checks each state, and the screenshots are in tests/artifacts/browser/."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible, sign_in
from tests.conftest import Person

STREET = [138.3187, 34.8669]  # a street in 焼津市


def photo_bytes(shade: int = 60) -> bytes:
    image = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    image.paste((shade, 120, 200), (300, 200, 500, 400))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Api:
    """One person's session through the real API (the requests the pages send)."""

    def __init__(self, server: LiveServer, person: Person) -> None:
        self.person = person
        self.client = httpx.Client(base_url=server.url, timeout=30)
        login = self.client.post(
            "/auth/login", json={"email": person.email, "password": person.password}
        )
        assert login.status_code == 200, login.text
        # The session cookie is Secure; httpx keeps it for https only, so it is sent by hand.
        session, csrf = login.cookies["mm_session"], login.cookies["mm_csrf"]
        self.headers = {"Cookie": f"mm_session={session}; mm_csrf={csrf}", "X-CSRF-Token": csrf}

    def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {**self.headers, **options.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **options)

    def ok(self, method: str, path: str, **options: Any) -> Any:
        answer = self.call(method, path, **options)
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None


@dataclass
class Walk:
    """A group with a leader and two members, and a draft map of theirs."""

    server: LiveServer
    leader: Person
    first: Person
    second: Person
    group_id: int
    map_id: int
    title: str

    @property
    def editor(self) -> str:
        return f"/groups/{self.group_id}/maps/{self.map_id}"

    def api(self, person: Person) -> Api:
        return Api(self.server, person)

    def place(self, who: Person, note: str, lon_lat: list[float] = STREET) -> dict[str, Any]:
        body = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": lon_lat},
            "properties": {"kind": "hard_to_see", "detail": "high_wall", "note": note},
        }
        created: dict[str, Any] = self.api(who).ok(
            "POST", f"/api/safety-maps/{self.map_id}/features", json=body
        )
        return created

    def features(self, who: Person) -> list[dict[str, Any]]:
        found = self.api(who).ok("GET", f"/api/safety-maps/{self.map_id}")
        return list(found["feature_collection"]["features"])


def walk(server: LiveServer) -> Walk:
    """Staff create the group with its leader; two residents ask to join and the leader
    accepts them; the leader starts the map. All through the API."""
    tag = uuid.uuid4().hex[:8]
    staff = server.person(f"staff-{tag}@example.jp", "staff", "community")
    leader = server.person(f"leader-{tag}@example.jp")
    first = server.person(f"first-{tag}@example.jp")
    second = server.person(f"second-{tag}@example.jp")
    group = Api(server, staff).ok(
        "POST",
        "/api/groups",
        json={"name": f"本町一丁目自治会 {tag}", "kind": "pta", "leader_email": leader.email},
    )
    as_leader = Api(server, leader)
    for member in (first, second):
        Api(server, member).ok("POST", f"/api/groups/{group['id']}/join")
        as_leader.ok(
            "PUT", f"/api/groups/{group['id']}/members/{member.id}", json={"role": "member"}
        )
    title = f"大井川小学校区 地域安全マップ {tag}"
    created = as_leader.ok(
        "POST", f"/api/groups/{group['id']}/safety-maps", json={"title": title}
    )
    return Walk(server, leader, first, second, int(group["id"]), int(created["id"]), title)


def open_editor(browse: Browse, w: Walk, who: Person, viewport: dict[str, int] = PHONE) -> Any:
    page = browse.open(None, viewport=viewport)
    sign_in(page, who)
    expect(page.get_by_role("button", name="ログアウトする")).to_be_visible()
    page.goto(w.editor)
    expect(page.get_by_role("heading", level=1, name=w.title)).to_be_visible()
    # The map has drawn (its canvas is there and the places are on it).
    expect(page.locator(".sm-map canvas")).to_be_visible()
    page.wait_for_function("() => !document.getElementById('map-status').textContent")
    return page


def tap_map(page: Any, dx: float = 0, dy: float = 0) -> None:
    """A tap on the map, dx/dy pixels from its middle."""
    canvas = page.locator(".sm-map canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})


def place_item(page: Any, number: int) -> Any:
    return page.locator(".sm-place").filter(
        has=page.get_by_role("heading", name=re.compile(rf"地点 {number}\b|Place {number}\b"))
    )


def test_a_member_adds_a_place_with_a_photo_on_a_phone(
    browse: Browse, live_server: LiveServer, tmp_path: Any
) -> None:
    w = walk(live_server)
    page = open_editor(browse, w, w.first)
    expect(page.get_by_text("まだ地点はありません。")).to_be_visible()
    browse.shot(page, "1-empty")

    # A tap on the map puts the point where the finger is.
    page.get_by_role("button", name="点", exact=True).click()
    expect(page.locator("#map-hint")).to_contain_text("タップ")
    tap_map(page, 30, 0)
    expect(page.get_by_role("heading", name="新しい地点")).to_be_focused()
    # Where someone would look for "a person" or "a crime", the reason there is none.
    expect(page.get_by_text(re.compile("人や過去の事件ではなく、場所の特徴を書きます"))).to_be_visible()
    kinds = page.get_by_role("group", name="どちらにあてはまりますか").get_by_role("radio")
    assert [k.get_attribute("value") for k in kinds.all()] == [
        "easy_to_enter",
        "hard_to_see",
        "easy_to_enter_hard_to_see",
    ]
    # No side of the form offers a person or a crime to mark.
    offered: list[str] = []
    for side in ("安全（逃げこめる・助けを呼べる）", "道・メモ", "危険（入りやすい・見えにくい）"):
        page.get_by_role("radio", name=side).check()
        offered += page.locator(".sm-form label, .sm-form option").all_inner_texts()
    assert "交番" in offered and "空き家" in offered and "通学路" in " ".join(offered)
    assert not [o for o in offered if re.search("不審|人物|犯人|犯罪|事件|痴漢", o)]
    page.get_by_role("radio", name="見えにくい", exact=True).check()
    page.get_by_label("くわしく").select_option("high_wall")
    note = f"生け垣が高く、道路から公園の中が見えません。{uuid.uuid4().hex[:6]}"
    page.get_by_label("メモ（任意）").fill(note)
    picture = tmp_path / "walk.jpg"
    picture.write_bytes(photo_bytes())
    chooser = page.get_by_label("写真（任意）")
    assert chooser.get_attribute("capture") == "environment"
    chooser.set_input_files(str(picture))
    assert_accessible(page)
    browse.shot(page, "2-form")
    page.get_by_role("button", name="保存する").click()

    item = place_item(page, 1)
    expect(item).to_contain_text("見えにくい（高い塀・生け垣）")
    expect(item).to_contain_text(note)
    expect(page.locator("#map-status")).to_contain_text("地点 1 を保存しました。")
    expect(item.get_by_role("img", name=re.compile("地点 1（見えにくい（高い塀・生け垣））の写真 1"))).to_be_visible()
    expect(item.get_by_text("未公開")).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "3-saved")

    [saved] = w.features(w.first)
    assert saved["properties"]["note"] == note
    assert saved["properties"]["detail"] == "high_wall"
    assert saved["properties"]["mine"] is True
    assert len(saved["properties"]["photos"]) == 1
    assert live_server.sql(
        "SELECT author_user_id FROM safety_map_feature WHERE id = %s", saved["id"]
    ) == w.first.id
