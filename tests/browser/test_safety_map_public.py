"""A published safety map's public page (/safety-maps/{mid}) as anyone reads it: title, group
and date, the map read-only, the places in a numbered list a screen reader can use (kind,
note, released photos with alt text), print buttons; never an unreleased photo, an author or
an editing control. An unpublished map says so. The place is on the public map too."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible
from tests.browser.test_safety_map_editor import Walk, photo_bytes, place_item, walk


def published(server: LiveServer) -> tuple[Walk, dict[str, Any], int, int]:
    """A map with one place and two photos: one released with a blur, one not; published."""
    w = walk(server)
    place = w.place(w.first, "生け垣が高く、道路から公園の中が見えません。")
    released, kept = w.api(w.first).ok(
        "POST",
        f"/api/safety-maps/{w.map_id}/features/{place['id']}/photos",
        files=[
            ("photo", ("a.jpg", photo_bytes(40), "image/jpeg")),
            ("photo", ("b.jpg", photo_bytes(200), "image/jpeg")),
        ],
    )
    as_leader = w.api(w.leader)
    as_leader.ok(
        "POST",
        f"/api/safety-maps/{w.map_id}/photos/{released['id']}/release",
        json={"blur": [[0.1, 0.1, 0.4, 0.4]]},
    )
    as_leader.ok("POST", f"/api/safety-maps/{w.map_id}/publish")
    return w, place, int(released["id"]), int(kept["id"])


def test_anyone_reads_a_published_map_on_its_page(browse: Browse, live_server: LiveServer) -> None:
    w, _, released, kept = published(live_server)
    page = browse.open(f"/safety-maps/{w.map_id}", viewport=PHONE)
    expect(page.get_by_role("heading", level=1, name=w.title)).to_be_visible()
    expect(page.locator("#map-meta")).to_contain_text("本町一丁目自治会")
    expect(page.locator("#map-meta")).to_contain_text(re.compile(r"\d{4}/\d{2}/\d{2} 公開"))
    expect(page.locator(".sm-map canvas")).to_be_visible()
    item = place_item(page, 1)
    expect(item.get_by_role("heading", name="地点 1 見えにくい（高い塀・生け垣）")).to_be_visible()
    expect(item).to_contain_text("生け垣が高く、道路から公園の中が見えません。")
    # Only the released photo, with words for those who cannot see it.
    photos = item.get_by_role("img")
    expect(photos).to_have_count(1)
    expect(photos).to_have_attribute("alt", "地点 1（見えにくい（高い塀・生け垣））の写真 1")
    expect(photos).to_have_attribute("src", re.compile(rf"/photos/{released}/thumbnail$"))
    assert page.locator(f"img[src*='/photos/{kept}']").count() == 0
    # Read-only: nothing to change, and no author's name.
    for name in ("編集", "移動", "削除", "記録", "点", "公開する"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(item).not_to_contain_text("追加した人")
    expect(page.get_by_role("list").filter(has=item)).to_be_visible()
    page.get_by_text("印刷する（PDF）").click()
    expect(page.get_by_role("link", name="A4 縦")).to_have_attribute(
        "href", f"/api/safety-maps/{w.map_id}/print.pdf?paper=A4&orientation=portrait"
    )
    assert_accessible(page)
    browse.shot(page, "1-public")

    item.get_by_role("button", name="地図で見る").click()
    expect(page.locator("#map-status")).to_contain_text("地点 1：見えにくい（高い塀・生け垣）")
    browse.shot(page, "2-shown")

    page.get_by_label("言語 Language").select_option("en")
    expect(place_item(page, 1).get_by_role("heading")).to_have_text(
        re.compile("Place 1 Hard to see \\(High wall or hedge\\)")
    )
    expect(page.locator("#map-meta")).to_contain_text("Published")
    assert_accessible(page)
    browse.shot(page, "3-english")


def test_the_place_is_on_the_public_map(browse: Browse, live_server: LiveServer) -> None:
    w, place, _, _ = published(live_server)
    listed = w.api(w.second).ok("GET", "/api/safety-maps?limit=100")["safety_maps"]
    assert w.map_id in [m["id"] for m in listed]
    page = browse.open(f"/?layers=safety_map_feature&feature=safety_map_feature/{place['id']}")
    # The public map's own sign that it has drawn (tests/browser/test_public_map.py waits so).
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    expect(page.locator("#details")).to_contain_text("生け垣が高く、道路から公園の中が見えません。")
    browse.shot(page, "public-map")


def test_an_unpublished_map_says_it_is_not_published(
    browse: Browse, live_server: LiveServer
) -> None:
    w, _, _, _ = published(live_server)
    w.api(w.leader).ok("POST", f"/api/safety-maps/{w.map_id}/unpublish")
    page = browse.open("", viewport=PHONE)
    browse.watched(page).allowed_errors.append(
        re.compile(rf"status of 40[14] .*/api/safety-maps/{w.map_id}\)")
    )
    page.goto(f"/safety-maps/{w.map_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("このマップは公開されていません")
    expect(page.get_by_role("alert")).to_contain_text("公開されていないか、公開が取り消されました")
    expect(page.locator(".sm-place")).to_have_count(0)
    assert w.title not in page.content()
    assert_accessible(page)
    browse.shot(page, "not-published")


LANGUAGES = {  # the list's heading and a place's number, in each resident language
    "ja-easy": ("場所ばしょの リスト", "場所ばしょ 1"),
    "pt": ("Lugares deste mapa", "Lugar 1"),
    "tl": ("Mga lugar sa mapang ito", "Lugar 1"),
    "zh": ("本地图的地点", "地点 1"),
    "vi": ("Các địa điểm trên bản đồ này", "Địa điểm 1"),
}


def test_the_public_page_in_every_resident_language(
    browse: Browse, live_server: LiveServer
) -> None:
    w, _, _, _ = published(live_server)
    page = browse.open("", viewport=PHONE)
    for code, (heading, number) in LANGUAGES.items():
        page.goto(f"/safety-maps/{w.map_id}?lang={code}")
        expect(page.get_by_role("heading", level=1, name=w.title)).to_be_visible()
        expect(page.locator("#list-heading")).to_have_text(heading)
        # A draft translation says so; the place's own words stay as written.
        expect(page.locator("#lang-notice")).to_be_visible()
        expect(place_item(page, 1)).to_contain_text("生け垣が高く")
        expect(place_item(page, 1).locator(".sm-number")).to_have_text(number)
        assert_accessible(page)
        browse.shot(page, f"lang-{code}")
