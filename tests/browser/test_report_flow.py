"""The phone-first report flow at /report, used as a resident would: a 390×844 phone, a real
JPEG photo, the map, the place search by keyboard, a duplicate nearby supported instead of
reported again, a report started offline and sent when the connection returns, and the
language switched mid-flow. Each test checks the database the server wrote to."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import httpx
from PIL import ExifTags, Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible

NEXT = ".step-nav .next"
# 焼津市役所, roughly, as the degrees, minutes and seconds a phone camera writes.
CITY_HALL_GPS: dict[int, Any] = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (34.0, 52.0, 0.12),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (138.0, 19.0, 24.96),
}
CITY_HALL = (34.8667, 138.3236)


def gradient_jpeg(gps: dict[int, Any] | None = None) -> bytes:
    """A 1200×900 photo-like JPEG (a colour gradient), with a GPS position if given."""
    width, height = 1200, 900
    horizontal = Image.linear_gradient("L").resize((width, height)).rotate(90, expand=False)
    vertical = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (horizontal, vertical, Image.new("L", (width, height), 140)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "machimap test phone"
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def photo_file(name: str, gps: dict[int, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": gradient_jpeg(gps)}


def open_report(browse: Browse, **options: Any) -> Any:
    page = browse.open("/report", **options)
    start = page.get_by_role("button", name="通報を始める")
    expect(start).to_be_enabled()
    return page


def start_and_choose(page: Any, category: str) -> None:
    page.get_by_role("button", name="通報を始める").click()
    expect(page.locator("h1")).to_contain_text("何についての通報ですか")
    expect(page.locator("h1")).to_be_focused()
    page.get_by_role("radio", name=re.compile(category)).check()


def next_step(page: Any, heading: str) -> None:
    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("h1")).to_be_focused()


def wait_for_map(page: Any) -> Any:
    expect(page.locator(".place-map[data-ready='true']")).to_be_visible()
    return page.locator(".place-map canvas")


def tap_map(page: Any, *, touch: bool = False) -> None:
    canvas = wait_for_map(page)
    box = canvas.bounding_box()
    at = {"x": box["width"] * 0.5, "y": box["height"] * 0.45}
    if touch:
        canvas.tap(position=at)
    else:
        canvas.click(position=at)
    expect(page.locator("#chosen-place")).to_contain_text("地図で指定した場所")
    expect(page.locator(".maplibregl-marker")).to_have_count(1)


def no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def report_row(live_server: LiveServer, public_id: str, column: str) -> Any:
    return live_server.sql(f"SELECT {column} FROM report WHERE public_id = %s", public_id)


def photo_count(live_server: LiveServer, public_id: str) -> int:
    count: int = live_server.sql(
        "SELECT count(*) FROM attachment a JOIN report r ON r.id = a.subject_id "
        "WHERE a.subject_layer = 'report' AND r.public_id = %s",
        public_id,
    )
    return count


def fill_contact_and_confirm(page: Any, browse: Browse, label: str) -> None:
    page.get_by_label("お名前").fill("焼津 花子")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("電話番号").fill("054-626-1111")
    page.get_by_label("写真を公開の地図に載せてもかまいません").check()
    browse.shot(page, f"{label}-contact")
    next_step(page, "内容を確認して送信")


def submit_and_read_id(page: Any) -> str:
    page.get_by_role("button", name="この内容で送信する").click()
    expect(page.locator("h1")).to_have_text("通報を受け付けました")
    expect(page.locator("h1")).to_be_focused()
    public_id: str = page.locator(".reference .public-id").inner_text()
    assert re.fullmatch(r"R[0-9A-Z]{8}", public_id), public_id
    return public_id


def test_phone_report_with_photo_and_pin(browse: Browse, live_server: LiveServer) -> None:
    page = open_report(browse, viewport=PHONE, has_touch=True, is_mobile=True)
    browse.shot(page, "0-start")
    start_and_choose(page, "道路の損傷")
    assert_accessible(page)
    browse.shot(page, "1-category")

    next_step(page, "場所を指定する")
    expect(page.locator(".step-of")).to_have_text("ステップ 2/5")
    tap_map(page, touch=True)
    assert_accessible(page)
    browse.shot(page, "2-place")

    next_step(page, "写真と内容")
    page.locator("#photo-pick").set_input_files(photo_file("pothole.jpg"))
    expect(page.locator(".thumbs img")).to_have_count(1)
    expect(page.locator(".photo-status")).to_contain_text("写真を追加しました（1枚）")
    description = f"交差点の手前の舗装に深い穴があります。{uuid.uuid4().hex[:8]}"
    page.get_by_label("どのような状態ですか").fill(description)
    expect(page.locator("#description-count")).to_contain_text(f"{len(description)} / 4,000")
    browse.shot(page, "3-details")

    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text("近くの同じ種類の通報")
    expect(page.locator("#nearby-status")).not_to_contain_text("調べています")
    browse.shot(page, "4-nearby")
    next_step(page, "連絡先と公開の同意")
    fill_contact_and_confirm(page, browse, "5")

    summary = page.locator(".summary")
    expect(summary).to_contain_text("道路の損傷")
    expect(summary).to_contain_text(description)
    expect(summary).to_contain_text("hanako@example.jp")
    expect(summary.locator(".thumbs img")).to_have_count(1)
    assert_accessible(page)
    browse.shot(page, "6-confirm")

    public_id = submit_and_read_id(page)
    browse.shot(page, "7-done")
    no_horizontal_scroll(page)

    assert report_row(live_server, public_id, "description") == description
    assert report_row(live_server, public_id, "location_source") == "pin"
    assert report_row(live_server, public_id, "consent_publish") is True
    category = live_server.sql(
        "SELECT c.code FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE r.public_id = %s",
        public_id,
    )
    assert category == "road_damage"
    assert photo_count(live_server, public_id) == 1
    assert (
        live_server.sql(
            "SELECT c.email FROM report_contact c JOIN report r ON r.id = c.report_id "
            "WHERE r.public_id = %s",
            public_id,
        )
        == "hanako@example.jp"
    )

    # The tracking link works, and the start screen remembers the report on this device.
    page.get_by_role("link", name="通報の状況を見る").click()
    expect(page.locator("body")).to_contain_text(public_id)
    expect(page.locator("body")).to_contain_text(description)
    browse.shot(page, "8-tracking")
    page.goto("/report")
    mine = page.locator(".mine")
    expect(mine).to_contain_text(public_id)
    browse.shot(page, "9-start-with-mine")


def test_phone_report_uses_the_photo_location(browse: Browse, live_server: LiveServer) -> None:
    page = open_report(browse, viewport=PHONE, has_touch=True, is_mobile=True)
    start_and_choose(page, "河川・水路の危険")
    next_step(page, "場所を指定する")
    wait_for_map(page)
    page.get_by_text("写真の撮影場所を使う").click()
    page.locator("#place-photo-pick").set_input_files(photo_file("bank.jpg", CITY_HALL_GPS))
    use = page.get_by_role("button", name="写真の位置を使う")
    expect(use).to_be_visible()
    browse.shot(page, "1-suggestion")
    use.click()
    expect(page.locator("#chosen-place")).to_contain_text("写真の撮影場所")
    expect(page.locator(".suggestion")).to_contain_text("写真の撮影場所を通報の場所にしています")
    browse.shot(page, "2-photo-place")

    next_step(page, "写真と内容")
    expect(page.locator(".thumbs img")).to_have_count(1)  # the same photo, attached
    description = f"護岸が崩れかけています。{uuid.uuid4().hex[:8]}"
    page.get_by_label("どのような状態ですか").fill(description)
    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text("近くの同じ種類の通報")
    expect(page.locator("#nearby-status")).not_to_contain_text("調べています")
    next_step(page, "連絡先と公開の同意")
    next_step(page, "内容を確認して送信")
    expect(page.locator(".summary")).to_contain_text("写真の撮影場所")
    browse.shot(page, "3-confirm")
    public_id = submit_and_read_id(page)
    browse.shot(page, "4-done")

    assert report_row(live_server, public_id, "location_source") == "photo"
    lat = report_row(live_server, public_id, "ST_Y(geom)")
    lon = report_row(live_server, public_id, "ST_X(geom)")
    assert abs(lat - CITY_HALL[0]) < 0.0005 and abs(lon - CITY_HALL[1]) < 0.0005
    assert photo_count(live_server, public_id) == 1
    assert report_row(live_server, public_id, "consent_publish") is False


def test_place_by_text_search_with_the_keyboard(browse: Browse, live_server: LiveServer) -> None:
    found = httpx.get(f"{live_server.url}/api/places", params={"q": "図書館"}).json()
    facility = next(f for f in found["features"] if f["properties"]["kind"] == "facility")
    name = facility["properties"]["name"]
    lon, lat = facility["geometry"]["coordinates"]

    page = open_report(browse, viewport=PHONE)
    start = page.get_by_role("button", name="通報を始める")
    start.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_be_focused()
    page.keyboard.press("Tab")  # the first category
    page.keyboard.press("ArrowDown")  # arrows move the choice within the group
    second = page.get_by_role("radio").nth(1)
    expect(second).to_be_checked()
    expect(second).to_be_focused()
    chosen_category = second.get_attribute("value")
    page.keyboard.press("Enter")  # Enter in the form goes on
    expect(page.locator("h1")).to_contain_text("場所を指定する")

    search = page.get_by_label("施設の名前、地区・町の名前、住所")
    search.fill(name)
    results = page.locator("#place-results button")
    expect(results.first).to_contain_text(name)
    expect(page.locator("#search-status")).to_contain_text("件の候補があります")
    page.keyboard.press("ArrowDown")
    expect(results.first).to_be_focused()
    browse.shot(page, "1-results")
    page.keyboard.press("Enter")
    expect(page.locator("#chosen-place")).to_contain_text(f"「{name}」の位置")
    expect(results.first).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    browse.shot(page, "2-chosen")

    page.locator(NEXT).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("写真と内容")
    description = f"図書館の前の歩道の段差が危ないです。{uuid.uuid4().hex[:8]}"
    page.get_by_label("どのような状態ですか").fill(description)
    page.locator(NEXT).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("近くの同じ種類の通報")
    expect(page.locator("#nearby-status")).not_to_contain_text("調べています")
    page.locator(NEXT).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("連絡先と公開の同意")
    page.locator(NEXT).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("内容を確認して送信")
    expect(page.locator(".summary")).to_contain_text(name)
    page.get_by_role("button", name="この内容で送信する").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("通報を受け付けました")
    public_id = page.locator(".reference .public-id").inner_text()
    browse.shot(page, "3-done")

    assert report_row(live_server, public_id, "location_source") == "address"
    assert abs(report_row(live_server, public_id, "ST_X(geom)") - lon) < 1e-6
    assert abs(report_row(live_server, public_id, "ST_Y(geom)") - lat) < 1e-6
    code = live_server.sql(
        "SELECT c.code FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE r.public_id = %s",
        public_id,
    )
    assert code == chosen_category


def test_a_duplicate_nearby_is_supported_instead(browse: Browse, live_server: LiveServer) -> None:
    existing = live_server.sql(
        "SELECT json_build_object('id', r.public_id, 'lat', ST_Y(r.geom), 'lon', ST_X(r.geom), "
        "'count', r.supporter_count) FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE c.code = 'streetlight_out' AND r.is_public "
        "AND r.status IN ('accepted', 'in_progress') ORDER BY r.public_id LIMIT 1"
    )
    before = existing["count"]
    # The phone's own position is the existing report's: "現在地を使う".
    page = open_report(
        browse,
        viewport=PHONE,
        geolocation={"latitude": existing["lat"], "longitude": existing["lon"], "accuracy": 8},
        permissions=["geolocation"],
    )
    start_and_choose(page, "防犯灯・街灯の故障")
    next_step(page, "場所を指定する")
    page.get_by_role("button", name="現在地を使う").click()
    expect(page.locator("#chosen-place")).to_contain_text("現在地（誤差 約8 m）")
    browse.shot(page, "1-gps")
    next_step(page, "写真と内容")
    page.get_by_label("どのような状態ですか").fill("夜になっても街灯が点きません。")
    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text("近くの同じ種類の通報")
    card = page.locator(".nearby-list .card").filter(has_text=existing["id"])
    expect(card).to_be_visible()
    expect(card).to_contain_text(f"賛同 {before}人")
    assert_accessible(page)
    browse.shot(page, "2-nearby")

    card.get_by_role("button", name="私も困っています（この通報に賛同）").click()
    expect(card.locator(".supported")).to_contain_text(f"賛同は {before + 1}人")
    expect(card.locator(".supported")).to_be_focused()
    browse.shot(page, "3-supported")
    assert report_row(live_server, existing["id"], "supporter_count") == before + 1

    page.get_by_role("button", name="ここで終わる").click()
    expect(page.locator("h1")).to_have_text("まちの困りごとを市に知らせる")
    expect(page.locator(".mine")).to_contain_text(existing["id"])
    browse.shot(page, "4-start")


def keep_a_report_offline(browse: Browse, page: Any, description: str) -> None:
    """Fills in a report with a photo and sends it without a connection: it is kept."""
    start_and_choose(page, "不法投棄")
    next_step(page, "場所を指定する")
    tap_map(page)
    next_step(page, "写真と内容")
    page.locator("#photo-pick").set_input_files(photo_file("dumping.jpg"))
    expect(page.locator(".thumbs img")).to_have_count(1)
    page.get_by_label("どのような状態ですか").fill(description)
    page.locator(NEXT).click()
    expect(page.locator("#nearby-status")).not_to_contain_text("調べています")
    next_step(page, "連絡先と公開の同意")
    next_step(page, "内容を確認して送信")

    page.context.set_offline(True)
    expect(page.locator(".confirm")).to_contain_text("今はインターネットに接続されていません")
    browse.shot(page, "1-offline-confirm")
    page.get_by_role("button", name="この内容で送信する").click()
    expect(page.locator("h1")).to_have_text("この端末に保存しました")
    expect(page.locator("h1")).to_be_focused()
    expect(page.locator("#queued-status")).to_contain_text("接続が戻るのを待っています")
    browse.shot(page, "2-kept")


def reports_with(live_server: LiveServer, description: str) -> int:
    count: int = live_server.sql("SELECT count(*) FROM report WHERE description = %s", description)
    return count


def test_offline_report_is_kept_and_sent_when_online(
    browse: Browse, live_server: LiveServer
) -> None:
    page = open_report(browse, viewport=PHONE)
    description = f"空き地に冷蔵庫が捨てられています。{uuid.uuid4().hex}"
    keep_a_report_offline(browse, page, description)
    page.get_by_role("button", name="最初の画面へ").click()
    drafts = page.locator(".drafts")
    expect(drafts).to_contain_text("送信待ちの通報（1件）")
    expect(drafts).to_contain_text(description[:20])
    expect(drafts).to_contain_text("写真 1枚")
    page.get_by_role("button", name=re.compile("を今すぐ送信")).click()
    expect(page.locator("[aria-live]").last).to_contain_text(
        "まだインターネットに接続されていません"
    )
    browse.shot(page, "3-draft-listed")
    assert reports_with(live_server, description) == 0

    page.context.set_offline(False)
    notice = page.locator(".start .notice.ok")
    expect(notice).to_contain_text("端末に保存していた通報を送信しました")
    expect(page.locator(".drafts")).to_have_count(0)
    public_id = re.search(r"R[0-9A-Z]{8}", notice.inner_text()).group(0)  # type: ignore[union-attr]
    expect(page.locator(".mine")).to_contain_text(public_id)
    browse.shot(page, "4-sent")

    # Once, with its photo, however many times the page tried.
    assert reports_with(live_server, description) == 1
    assert report_row(live_server, public_id, "description") == description
    assert photo_count(live_server, public_id) == 1
    # A reload sends nothing again: the draft is gone.
    page.reload()
    expect(page.get_by_role("button", name="通報を始める")).to_be_enabled()
    expect(page.locator(".mine")).to_contain_text(public_id)
    expect(page.locator(".drafts")).to_have_count(0)
    assert reports_with(live_server, description) == 1


def test_a_kept_report_waiting_on_screen_is_sent_when_online(
    browse: Browse, live_server: LiveServer
) -> None:
    page = open_report(browse, viewport=PHONE)
    description = f"歩道にタイヤが捨てられています。{uuid.uuid4().hex}"
    keep_a_report_offline(browse, page, description)
    page.context.set_offline(False)
    # The screen that said "kept" turns into the receipt by itself.
    expect(page.locator("h1")).to_have_text("通報を受け付けました")
    public_id = page.locator(".reference .public-id").inner_text()
    expect(page.get_by_role("link", name="通報の状況を見る")).to_have_attribute(
        "href", re.compile(f"/reports/{public_id}\\?token=")
    )
    browse.shot(page, "3-sent")
    assert reports_with(live_server, description) == 1
    assert report_row(live_server, public_id, "location_source") == "pin"


def test_a_kept_report_is_sent_on_the_next_visit(browse: Browse, live_server: LiveServer) -> None:
    page = open_report(browse, viewport=PHONE)
    description = f"川沿いにごみ袋が積まれています。{uuid.uuid4().hex}"
    keep_a_report_offline(browse, page, description)
    context = page.context
    page.close()  # closed while offline: no page is there when the connection returns
    context.set_offline(False)
    assert reports_with(live_server, description) == 0

    again = browse.open("/report", context=context)
    notice = again.locator(".start .notice.ok")
    expect(notice).to_contain_text("端末に保存していた通報を送信しました")
    expect(again.locator(".drafts")).to_have_count(0)
    browse.shot(again, "3-sent-on-next-visit")
    assert reports_with(live_server, description) == 1


def test_switching_to_english_mid_flow_keeps_the_report(browse: Browse) -> None:
    page = open_report(browse, viewport=PHONE)
    start_and_choose(page, "公園遊具の破損")
    next_step(page, "場所を指定する")
    tap_map(page)
    next_step(page, "写真と内容")
    page.locator("#photo-pick").set_input_files(photo_file("swing.jpg"))
    page.get_by_label("どのような状態ですか").fill("ブランコの鎖が切れそうです。")
    browse.shot(page, "1-ja")

    page.get_by_label(re.compile("言語")).select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Photos and description")
    expect(page.locator(".step-of")).to_have_text("Step 3 of 5")
    expect(page.get_by_label("What is wrong?")).to_have_value("ブランコの鎖が切れそうです。")
    expect(page.locator(".thumbs img")).to_have_count(1)
    expect(page.get_by_role("button", name="Remove photo 1")).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "2-en")

    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Where is it?")
    expect(page.locator("#chosen-place")).to_contain_text("The place marked on the map")
    wait_for_map(page)
    browse.shot(page, "3-en-place")
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_role("radio", name="Broken playground equipment")).to_be_checked()
    next_step(page, "Where is it?")
    next_step(page, "Photos and description")
    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text("Similar reports nearby")
    next_step(page, "Contact and consent")
    page.locator(NEXT).click()
    expect(page.locator("h1")).to_contain_text("Check and send")
    summary = page.locator(".summary")
    expect(summary).to_contain_text("Broken playground equipment")
    expect(summary).to_contain_text("ブランコの鎖が切れそうです。")
    expect(page.get_by_role("button", name="Send this report")).to_be_visible()
    browse.shot(page, "4-en-confirm")

    page.get_by_label(re.compile("Language")).select_option("ja")
    expect(page.locator("h1")).to_contain_text("内容を確認して送信")
    expect(summary).to_contain_text("公園遊具の破損")


def test_reflows_at_200_percent_zoom_and_a_refusal_keeps_the_input(browse: Browse) -> None:
    page = open_report(browse, viewport={"width": 640, "height": 430})
    no_horizontal_scroll(page)
    page.get_by_role("button", name="通報を始める").click()
    # Next without a choice: told why, next to the choices, with focus there.
    page.locator(NEXT).click()
    expect(page.locator("#error-category")).to_have_text(re.compile("通報の種類を選んでください"))
    expect(page.get_by_role("radio").first).to_be_focused()
    browse.shot(page, "1-category-error")
    no_horizontal_scroll(page)
    page.get_by_role("radio", name=re.compile("不審者")).check()
    note = page.locator(".choice", has_text="不審者").locator(".choice-note")
    expect(note).to_contain_text("公開の地図には表示されません")
    next_step(page, "場所を指定する")
    page.locator(NEXT).click()
    expect(page.locator("#error-place")).to_be_focused()
    tap_map(page)
    # The pin is a button the arrow keys move.
    where = page.locator("#chosen-place .meta")
    before = where.inner_text()
    pin = page.get_by_role("button", name=re.compile("通報する場所のピン"))
    pin.focus()
    page.keyboard.press("ArrowRight")
    expect(where).not_to_have_text(before)
    expect(pin).to_be_focused()
    no_horizontal_scroll(page)
    browse.shot(page, "2-place")
    next_step(page, "写真と内容")
    page.locator(NEXT).click()
    expect(page.get_by_label("どのような状態ですか")).to_be_focused()
    expect(page.locator("#error-description")).to_be_visible()
    page.get_by_label("どのような状態ですか").fill("夕方、同じ人が公園の前に立っています。")
    no_horizontal_scroll(page)
    page.locator(NEXT).click()
    expect(page.locator("#nearby-status")).to_contain_text("公開されないため")
    next_step(page, "連絡先と公開の同意")
    # A bad e-mail address is caught here; the server's refusal is shown on the confirm screen.
    page.get_by_label("メールアドレス").fill("not-an-address")
    page.locator(NEXT).click()
    expect(page.get_by_label("メールアドレス")).to_be_focused()
    expect(page.locator("#error-email")).to_contain_text("形式が正しくありません")
    no_horizontal_scroll(page)
    browse.shot(page, "3-contact-error")
    # Looks like an address, but the server refuses the reserved domain.
    page.get_by_label("メールアドレス").fill("hanako@yaizu.invalid")
    page.get_by_label("電話番号").fill("054-626-1111")
    next_step(page, "内容を確認して送信")
    no_horizontal_scroll(page)
    assert_accessible(page)
    browse.shot(page, "4-confirm")

    # The browser logs the refused request itself; that line is expected here.
    browse.watched(page).allowed_errors.append(re.compile(r"status of 4\d\d"))
    page.get_by_role("button", name="この内容で送信する").click()
    alert = page.locator("#submit-error")
    expect(alert).to_contain_text("メールアドレスの形式が正しくありません")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_be_focused()
    expect(page.locator(".summary")).to_contain_text("夕方、同じ人が公園の前に立っています。")
    no_horizontal_scroll(page)
    browse.shot(page, "5-refused")
    page.get_by_role("button", name="連絡先を変更").click()
    expect(page.get_by_label("電話番号")).to_have_value("054-626-1111")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    next_step(page, "内容を確認して送信")
    page.get_by_role("button", name="この内容で送信する").click()
    expect(page.locator("h1")).to_have_text("通報を受け付けました")
    no_horizontal_scroll(page)
    browse.shot(page, "6-done")


JA_DIRECTIONS = {"n": "北", "ne": "北東", "e": "東", "se": "南東", "s": "南", "sw": "南西"}
JA_DIRECTIONS |= {"w": "西", "nw": "北西"}


def test_the_chosen_point_is_announced_in_words(browse: Browse, live_server: LiveServer) -> None:
    """A blind reporter hears where the pin is: its 町丁目 and the nearest named place, once
    the lookup answers (「場所を調べています」 until then), not a 自治会's name."""
    town = httpx.get(f"{live_server.url}/api/places", params={"q": "焼津3丁目"}).json()
    lon, lat = town["features"][0]["geometry"]["coordinates"]
    where = httpx.get(
        f"{live_server.url}/api/places/describe", params={"lon": lon, "lat": lat}
    ).json()
    assert where["town"]["name"] == "焼津三丁目" and where["place"] is not None
    place = where["place"]
    expected = f"焼津三丁目付近、{place['name']}から{JA_DIRECTIONS[place['direction']]}へ約"
    expected_m = f"{place['distance_m']:,} m"

    page = open_report(browse, viewport=PHONE)
    start_and_choose(page, "道路の損傷")
    next_step(page, "場所を指定する")
    page.get_by_label("施設の名前、地区・町の名前、住所").fill("やいづ3")
    results = page.locator("#place-results button")
    expect(results.first).to_contain_text("焼津三丁目")
    expect(results.first).to_contain_text("町丁目")
    results.first.click()
    live = page.locator("[aria-live]").last
    expect(live).to_contain_text(expected)
    expect(live).to_contain_text(expected_m)
    expect(live).not_to_contain_text("調べています")
    expect(page.locator("#chosen-place")).to_contain_text(expected)
    expect(page.locator("#chosen-place")).not_to_contain_text("自治会")
    assert_accessible(page)
    browse.shot(page, "1-place-in-words")

    # In English the Japanese names are marked, so an English voice reads them as Japanese.
    page.locator("[data-lang-menu]").select_option("en")
    chosen = page.locator("#chosen-place")
    expect(chosen).to_contain_text(f"Near 焼津三丁目, about {expected_m} ")
    expect(chosen).to_contain_text(f" of {place['name']}")
    # The searched place's name, its 町丁目 and the nearest named place.
    expect(chosen.locator('span[lang="ja"]')).to_have_count(3)
    browse.shot(page, "2-place-in-words-en")
