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
    created = as_leader.ok("POST", f"/api/groups/{group['id']}/safety-maps", json={"title": title})
    return Walk(server, leader, first, second, int(group["id"]), int(created["id"]), title)


def open_editor(browse: Browse, w: Walk, who: Person, viewport: dict[str, int] = PHONE) -> Any:
    page = browse.open("", viewport=viewport)
    sign_in(page, who)
    expect(page.get_by_role("button", name="ログアウトする")).to_be_visible()
    page.goto(w.editor)
    expect(page.get_by_role("heading", level=1, name=w.title)).to_be_visible()
    # The map has drawn (its canvas is there and the places are on it).
    expect(page.locator(".sm-map canvas")).to_be_visible()
    page.wait_for_function("() => window.machimap?.map.loaded()")
    return page


def tap_map(page: Any, dx: float = 0, dy: float = 0) -> None:
    """A tap on the map, dx/dy pixels from its middle."""
    canvas = page.locator(".sm-map canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})


def expect_refusal(browse: Browse, page: Any, status: int, path: str) -> None:
    """The browser logs each refused request; this one is what the test provokes."""
    browse.watched(page).allowed_errors.append(
        re.compile(rf"status of {status} .*{re.escape(path)}\)")
    )


def place_item(page: Any, number: int) -> Any:
    """The list's item of the place numbered so (its heading says the number in words)."""
    return page.locator(f'.sm-place[data-number="{number}"]')


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
    expect(
        page.get_by_text(re.compile("人や過去の事件ではなく、場所の特徴を書きます"))
    ).to_be_visible()
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
    expect(
        item.get_by_role("img", name=re.compile("地点 1（見えにくい（高い塀・生け垣））の写真 1"))
    ).to_be_visible()
    expect(item.get_by_text("未公開")).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "3-saved")

    [saved] = w.features(w.first)
    assert saved["properties"]["note"] == note
    assert saved["properties"]["detail"] == "high_wall"
    assert saved["properties"]["mine"] is True
    assert len(saved["properties"]["photos"]) == 1
    assert (
        live_server.sql("SELECT author_user_id FROM safety_map_feature WHERE id = %s", saved["id"])
        == w.first.id
    )


def test_a_second_member_edits_their_own_place_and_not_the_first_members(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    first_note = f"空き家の庭木がのびて、道から見えません。{uuid.uuid4().hex[:6]}"
    theirs = w.place(w.first, first_note)
    mine = w.place(w.second, "夜は街灯が1本だけ", [138.3192, 34.8672])
    page = open_editor(browse, w, w.second)

    # The first member's place offers no change; the second member's own place does.
    first_item, own_item = place_item(page, 1), place_item(page, 2)
    expect(first_item).to_contain_text(first_note)
    expect(first_item.get_by_role("button", name="編集")).to_have_count(0)
    expect(first_item.get_by_role("button", name="削除")).to_have_count(0)
    expect(own_item.get_by_role("button", name="編集")).to_be_visible()
    # Refused by the server too, whatever a page offers.
    direct = w.api(w.second).call(
        "PATCH",
        f"/api/safety-maps/{w.map_id}/features/{theirs['id']}",
        json={"properties": {"note": "上書き"}},
        headers={"If-Match": '"1"'},
    )
    assert direct.status_code == 403, direct.text

    # English mid-flow: what was typed stays when the language changes.
    own_item.get_by_role("button", name="編集").click()
    expect(page.get_by_role("heading", name="地点 2 を編集")).to_be_focused()
    page.get_by_label("メモ（任意）").fill("夜は街灯が1本だけ。角のミラーが割れている。")
    page.get_by_label("言語 Language").select_option("en")
    expect(page.get_by_role("heading", name="Edit place 2")).to_be_visible()
    expect(page.get_by_label("Note (optional)")).to_have_value(
        "夜は街灯が1本だけ。角のミラーが割れている。"
    )
    expect(page.get_by_text(re.compile("never people or past crimes"))).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "1-english-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#map-status")).to_contain_text("Place 2 is saved.")
    expect(place_item(page, 2)).to_contain_text("角のミラーが割れている")
    assert_accessible(page)
    browse.shot(page, "2-english-saved")

    # A leader role taken away while a form is open: the save is refused and says why, and
    # the place no longer offers editing.
    w.api(w.leader).ok(
        "PUT", f"/api/groups/{w.group_id}/members/{w.second.id}", json={"role": "leader"}
    )
    page.reload()
    expect(place_item(page, 1).get_by_role("button", name="Edit")).to_be_visible()
    place_item(page, 1).get_by_role("button", name="Edit").click()
    page.get_by_label("Note (optional)").fill("上書きしようとした内容")
    expect_refusal(browse, page, 403, f"/features/{theirs['id']}")
    w.api(w.leader).ok(
        "PUT", f"/api/groups/{w.group_id}/members/{w.second.id}", json={"role": "member"}
    )
    page.get_by_role("button", name="Save", exact=True).click()
    refusal = page.locator("#map-alert .notice")
    expect(refusal).to_contain_text("only the person who added it and the group's leaders")
    expect(refusal).to_be_focused()
    expect(place_item(page, 1).get_by_role("button", name="Edit")).to_have_count(0)
    assert_accessible(page)
    browse.shot(page, "3-refused")
    after = {f["id"]: f["properties"]["note"] for f in w.features(w.leader)}
    assert after[theirs["id"]] == first_note
    assert after[mine["id"]] == "夜は街灯が1本だけ。角のミラーが割れている。"


def test_two_people_saving_one_place_meet_the_conflict_and_lose_nothing(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    place = w.place(w.first, "見通しの悪い駐車場")
    path = f"/api/safety-maps/{w.map_id}/features/{place['id']}"
    page = open_editor(browse, w, w.first)
    expect_refusal(browse, page, 412, path)

    place_item(page, 1).get_by_role("button", name="編集").click()
    page.get_by_label("メモ（任意）").fill("駐車場の奥は道から見えない（わたしのメモ）")
    # Meanwhile the leader saves the same place.
    w.api(w.leader).ok(
        "PATCH", path, json={"properties": {"note": "リーダーのメモ"}}, headers={"If-Match": '"1"'}
    )
    page.get_by_role("button", name="保存する").click()
    panel = page.locator(".sm-conflict")
    expect(panel.get_by_role("heading", name="ほかの人が同じ地点を変更しました")).to_be_focused()
    expect(panel.locator(".sm-version").first).to_contain_text("リーダーのメモ")
    expect(panel.locator(".sm-version").last).to_contain_text(
        "駐車場の奥は道から見えない（わたしのメモ）"
    )
    assert_accessible(page)
    browse.shot(page, "1-conflict")
    panel.get_by_role("button", name="自分の変更で保存する").click()
    expect(page.locator("#map-status")).to_contain_text("あなたの変更で保存しました。")
    expect(place_item(page, 1)).to_contain_text("（わたしのメモ）")
    now = w.api(w.first).call("GET", path)
    assert now.json()["properties"]["note"] == "駐車場の奥は道から見えない（わたしのメモ）"
    assert now.headers["ETag"] == '"3"'
    # The leader's version was not lost: it is in the place's history.
    history = w.api(w.first).ok("GET", f"{path}/history")["versions"]
    assert [v["note"] for v in history][:2] == [
        "駐車場の奥は道から見えない（わたしのメモ）",
        "リーダーのメモ",
    ]

    # The other way: taking theirs keeps theirs, and mine stays on screen until then.
    place_item(page, 1).get_by_role("button", name="編集").click()
    page.get_by_label("メモ（任意）").fill("2回目のわたしのメモ")
    w.api(w.leader).ok(
        "PATCH", path, json={"properties": {"note": "リーダーの2回目"}}, headers={"If-Match": '"3"'}
    )
    page.get_by_role("button", name="保存する").click()
    expect(panel.locator(".sm-version").last).to_contain_text("2回目のわたしのメモ")
    panel.get_by_role("button", name="ほかの人の変更を使う").click()
    expect(place_item(page, 1)).to_contain_text("リーダーの2回目")
    assert w.api(w.first).ok("GET", path)["properties"]["note"] == "リーダーの2回目"


def test_a_deleted_place_and_an_earlier_version_come_back(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    place = w.place(w.first, "最初のメモ")
    path = f"/api/safety-maps/{w.map_id}/features/{place['id']}"
    w.api(w.first).ok(
        "PATCH", path, json={"properties": {"note": "2番目のメモ"}}, headers={"If-Match": '"1"'}
    )
    page = open_editor(browse, w, w.first)
    expect(place_item(page, 1)).to_contain_text("2番目のメモ")

    # A place's history: who and when, and the earlier version restored in one step.
    place_item(page, 1).get_by_role("button", name="記録").click()
    history = page.locator("#history")
    expect(history.get_by_role("heading", name="地点 1 の記録")).to_be_focused()
    expect(history.locator(".sm-version-item")).to_have_count(2)
    expect(history.locator(".sm-version-item").last).to_contain_text("最初のメモ")
    expect(history.locator(".sm-version-item").last).to_contain_text(w.first.email.split("@")[0])
    assert_accessible(page)
    browse.shot(page, "1-history")
    history.get_by_role("button", name="この版（1）に戻す").click()
    expect(place_item(page, 1)).to_contain_text("最初のメモ")
    assert w.api(w.first).ok("GET", path)["properties"]["note"] == "最初のメモ"

    # Deleted, then back from the map's list of deleted places.
    page.once("dialog", lambda dialog: dialog.accept())
    place_item(page, 1).get_by_role("button", name="削除").click()
    expect(page.get_by_text("まだ地点はありません。")).to_be_visible()
    assert w.features(w.first) == []
    page.get_by_role("button", name="変更の記録・削除した地点").click()
    deleted = page.locator(".sm-deleted .sm-version-item")
    expect(deleted).to_have_count(1)
    expect(deleted).to_contain_text("最初のメモ")
    assert_accessible(page)
    browse.shot(page, "2-deleted")
    deleted.get_by_role("button", name="元に戻す").click()
    expect(place_item(page, 1)).to_contain_text("最初のメモ")
    assert [f["properties"]["note"] for f in w.features(w.first)] == ["最初のメモ"]


def test_the_leader_blurs_a_photo_and_publishes(browse: Browse, live_server: LiveServer) -> None:
    w = walk(live_server)
    place = w.place(w.first, "表札の見える家の前の細い道")
    [photo] = w.api(w.first).ok(
        "POST",
        f"/api/safety-maps/{w.map_id}/features/{place['id']}/photos",
        files={"photo": ("IMG_0002.jpg", photo_bytes(), "image/jpeg")},
    )
    page = open_editor(browse, w, w.leader, viewport={"width": 1280, "height": 860})
    expect(page.locator(".sm-review")).to_contain_text("まだ公開していない写真が1枚")
    expect(place_item(page, 1).get_by_text("未公開")).to_be_visible()

    place_item(page, 1).get_by_role("button", name="ぼかして公開…").click()
    expect(page.get_by_role("heading", name="写真をぼかして公開")).to_be_focused()
    canvas = page.locator(".sm-blur-canvas")
    expect(page.locator(".sm-blur").get_by_role("status")).to_contain_text("0か所")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    expect(page.locator(".sm-blur").get_by_role("status")).to_contain_text("1か所")
    page.get_by_role("button", name="ぼかしを確認").click()
    assert_accessible(page)
    browse.shot(page, "1-blur-preview")
    with page.expect_request(lambda r: r.url.endswith(f"/photos/{photo['id']}/release")) as sent:
        page.get_by_role("button", name="この内容で公開").click()
    [[x0, y0, x1, y1]] = sent.value.post_data_json["blur"]
    assert abs(x0 - 0.25) < 0.02 and abs(y0 - 0.25) < 0.02
    assert abs(x1 - 0.5) < 0.02 and abs(y1 - 0.5) < 0.02
    expect(place_item(page, 1).get_by_text("ぼかし済み")).to_be_visible()
    expect(page.locator(".sm-review")).to_contain_text("写真はすべて確認済みです")
    assert live_server.sql(
        "SELECT public_key IS NOT NULL AND is_public FROM attachment WHERE id = %s", photo["id"]
    )

    page.get_by_role("button", name="公開する").click()
    expect(page.locator("#map-status")).to_contain_text("マップを公開しました。")
    expect(page.get_by_role("link", name="公開ページを見る")).to_have_attribute(
        "href", f"/safety-maps/{w.map_id}"
    )
    expect(page.get_by_role("button", name="非公開に戻す")).to_be_visible()
    assert live_server.sql("SELECT is_published FROM safety_map WHERE id = %s", w.map_id)
    page.get_by_text("印刷する（PDF）").click()
    expect(page.get_by_role("link", name="A3 横")).to_have_attribute(
        "href", f"/api/safety-maps/{w.map_id}/print.pdf?paper=A3&orientation=landscape"
    )
    assert_accessible(page)
    browse.shot(page, "2-published")


def test_a_line_drawn_and_a_place_moved_with_the_keyboard_alone(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    page = open_editor(browse, w, w.first, viewport={"width": 1280, "height": 860})
    page.get_by_role("button", name="線（道など）").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#crosshair")).to_be_visible()
    # The map takes the arrow keys (it moves under the crosshair); Enter puts a point there.
    page.locator(".sm-map canvas").focus()
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    # MapLibre eases each arrow-key pan: the point goes where the map comes to rest.
    page.wait_for_function("() => !window.machimap.map.isMoving()")
    page.keyboard.press("Enter")
    expect(page.locator(".sm-draw-status")).to_have_text("線：2点")
    page.get_by_role("button", name="描き終える").click()
    expect(page.get_by_role("heading", name="新しい地点")).to_be_focused()
    page.get_by_role("radio", name="危険（入りやすい・見えにくい）").check()
    page.get_by_role("radio", name="入りやすく見えにくい").check()
    page.get_by_label("くわしく").select_option("dark_road")
    page.get_by_label("メモ（任意）").fill("街灯が少なく、夜は暗い")
    page.get_by_role("button", name="保存する").press("Enter")
    expect(place_item(page, 1)).to_contain_text("入りやすく見えにくい（街灯が少ない・暗い道）")
    [line] = w.features(w.first)
    assert line["geometry"]["type"] == "LineString"
    (x0, y0), (x1, y1) = line["geometry"]["coordinates"]
    assert x1 > x0 and abs(y1 - y0) < 1e-4  # the second point is east of the first
    browse.shot(page, "1-line")

    # Moved a little north with the nudge buttons, then saved with its version.
    place_item(page, 1).get_by_role("button", name="移動").press("Enter")
    page.get_by_role("button", name="北へ少し動かす").press("Enter")
    page.get_by_role("button", name="この位置で保存").press("Enter")
    expect(page.locator("#map-status")).to_contain_text("地点 1 を移動しました。")
    [moved] = w.features(w.first)
    assert moved["properties"]["version"] == 2
    assert moved["geometry"]["coordinates"][0][1] > y0
    assert moved["geometry"]["coordinates"][0][0] == x0
    assert_accessible(page)


def test_the_leader_sets_the_area_and_adds_the_citys_starting_points(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    area = live_server.sql(
        "SELECT id FROM district WHERE level = 'neighbourhood' AND ST_Covers(geom, "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
        *STREET,
    )
    assert area is not None
    page = open_editor(browse, w, w.leader, viewport={"width": 1280, "height": 860})
    page.get_by_text("マップの範囲（地区・自治会）").click()
    expect(
        page.get_by_label("範囲", exact=True).locator(f'option[value="{area}"]')
    ).to_be_attached()
    page.get_by_label("範囲", exact=True).select_option(str(area))
    page.get_by_role("button", name="この範囲にする").click()
    expect(page.locator("#map-status")).to_contain_text("マップの範囲を設定しました。")
    assert live_server.sql("SELECT district_id FROM safety_map WHERE id = %s", w.map_id) == area

    page.get_by_role("button", name=re.compile("市のデータから起点を追加")).click()
    expect(page.locator("#map-status")).to_contain_text(re.compile(r"\d+か所を追加しました"))
    added = len(w.features(w.leader))
    assert added > 0
    expect(page.locator(".sm-place")).to_have_count(added)
    kinds = {f["properties"]["detail"] for f in w.features(w.leader)}
    assert kinds <= {"child_safe_house", "police_box", "aed"}
    browse.shot(page, "starting-points")
    # Once only: a second time adds nothing.
    page.get_by_role("button", name=re.compile("市のデータから起点を追加")).click()
    expect(page.locator("#map-status")).to_contain_text(
        f"0か所を追加しました（{added}か所は追加済み）"
    )
    assert len(w.features(w.leader)) == added
    assert_accessible(page)


def test_a_member_signed_out_signs_in_on_the_editor(
    browse: Browse, live_server: LiveServer
) -> None:
    w = walk(live_server)
    page = browse.open("", viewport=PHONE)
    expect_refusal(browse, page, 401, f"/api/safety-maps/{w.map_id}")
    page.goto(w.editor)
    expect(page.locator("#map-alert")).to_contain_text(
        "グループのメンバーとしてログインしてください"
    )
    assert w.title not in page.content()
    assert_accessible(page)
    browse.shot(page, "signed-out")
    page.get_by_label("メールアドレス").fill(w.first.email)
    page.get_by_label("パスワード").fill(w.first.password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1, name=w.title)).to_be_visible()
    expect(page.get_by_role("button", name="点", exact=True)).to_be_visible()
