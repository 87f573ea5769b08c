"""The tracking page (/reports/{id}) as the reporter and the public use it: the reporter's
link shows the status as steps and the history in the city's time (Asia/Tokyo, even on a
device set to another zone), takes a photo added later and 「まだ直っていない」 once the city
says it is fixed; a member of the public sees the published report with 「わたしも困っています」
and none of the reporter's actions. Each state is checked with axe; the database says what
the page did."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible

LAT, LON = 34.8669, 138.3187  # a street in 焼津市
TOKYO = ZoneInfo("Asia/Tokyo")


def _jpeg(shade: int) -> bytes:
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    image.paste((shade, 90, 60), (0, 300, 640, 480))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _report(server: LiveServer, description: str) -> dict[str, Any]:
    """Sent through the real API as the report flow sends it."""
    answer = httpx.post(
        f"{server.url}/api/reports",
        data={
            "category": "road_damage",
            "description": description,
            "lat": str(LAT),
            "lon": str(LON),
            "location_source": "pin",
            "consent_publish": "true",
        },
        files=[("photos", ("IMG_0001.jpg", _jpeg(40), "image/jpeg"))],
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


class Staff:
    """A member of staff acting through the triage API with a real session, as the staff
    pages do."""

    def __init__(self, server: LiveServer) -> None:
        person = server.person(f"road-{uuid.uuid4().hex[:8]}@example.jp", "staff", "road")
        self.client = httpx.Client(base_url=server.url, timeout=30)
        login = self.client.post(
            "/auth/login", json={"email": person.email, "password": person.password}
        )
        assert login.status_code == 200, login.text
        # The session cookie is Secure; httpx keeps it for https only, so it is sent by hand.
        session, csrf = login.cookies["mm_session"], login.cookies["mm_csrf"]
        self.headers = {"Cookie": f"mm_session={session}; mm_csrf={csrf}", "X-CSRF-Token": csrf}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(f"/api/triage{path}", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


def _tokyo_text(iso: str) -> str:
    """What Intl.DateTimeFormat("ja-JP", {dateStyle: "medium", timeStyle: "short",
    timeZone: "Asia/Tokyo"}) writes for this instant: the hour without a leading zero."""
    there = datetime.fromisoformat(iso).astimezone(TOKYO)
    return f"{there:%Y/%m/%d} {there.hour}:{there:%M}"


def _abroad(browse: Browse, viewport: dict[str, int]) -> Any:
    """A browser whose device clock is in New York: the page must still give Tokyo's time."""
    return browse.browser.new_context(
        base_url=browse.server.url,
        viewport=viewport,
        locale="ja-JP",
        timezone_id="America/New_York",
    )


def test_the_reporter_follows_adds_a_photo_and_reopens(
    browse: Browse, live_server: LiveServer
) -> None:
    description = f"交差点の手前の舗装に穴があります。{uuid.uuid4().hex[:8]}"
    sent = _report(live_server, description)
    public_id = sent["public_id"]
    link = urlsplit(sent["tracking_url"])
    page = browse.open(f"{link.path}?{link.query}", context=_abroad(browse, PHONE))

    expect(page.get_by_role("heading", level=1)).to_have_text("通報の状況")
    expect(page.locator(".public-id")).to_have_text(public_id)
    expect(page.locator(".tracking-facts")).to_contain_text("道路の損傷")
    expect(page.locator(".tracking-symbol svg")).to_have_count(1)
    expect(page.locator(".status-now")).to_have_text("受付待ち")
    expect(page.locator(".tracking-steps [aria-current='step']")).to_contain_text("受付")
    expect(page.locator("main")).to_contain_text(description)
    expect(page.get_by_role("link", name="地図でこの場所を見る")).to_be_visible()
    expect(page.locator(".tracking-photos img")).to_have_count(1)
    # The way back, relative: it works wherever the page was reached.
    expect(page.get_by_role("link", name="地図に戻る")).to_have_attribute("href", "/")
    expect(page.get_by_role("link", name="もう一件通報する")).to_have_attribute("href", "/report")
    assert_accessible(page)
    browse.shot(page, "1-received-phone")

    # Staff start work and say so; the history gives Tokyo's time, not New York's.
    staff = Staff(live_server)
    staff.post(
        f"/reports/{public_id}/status",
        {"status": "in_progress", "public_comment": "現地を確認し、補修の手配をしました。"},
    )
    page.reload()
    expect(page.locator(".status-now")).to_have_text("対応中")
    expect(page.locator(".tracking-steps [aria-current='step']")).to_contain_text("対応中")
    expect(page.locator(".tracking-steps .step-done")).to_contain_text("受付")
    newest = page.locator(".tracking-history li").first
    expect(newest).to_contain_text("現地を確認し、補修の手配をしました。")
    stamp = newest.locator("time")
    iso = stamp.get_attribute("datetime")
    assert iso is not None
    changed = datetime.fromisoformat(iso)
    assert changed.utcoffset() is not None  # an instant, not a wall-clock time
    expect(stamp).to_have_text(_tokyo_text(iso))
    new_york = changed.astimezone(ZoneInfo("America/New_York")).strftime("%Y/%m/%d %H:%M")
    assert _tokyo_text(iso) != new_york
    assert_accessible(page)

    # A photo added later, through the page.
    actions = page.get_by_role("region", name="この通報についてできること")
    expect(actions.get_by_role("heading", name="まだ直っていない")).to_have_count(0)
    expect(actions.get_by_role("button", name="わたしも困っています")).to_have_count(0)
    actions.get_by_label("写真を選ぶ").set_input_files(
        {"name": "closer.jpg", "mimeType": "image/jpeg", "buffer": _jpeg(200)}
    )
    expect(actions).to_contain_text("1枚を選びました：closer.jpg")
    actions.get_by_role("button", name="選んだ写真を送る").click()
    done = page.locator(".outcome")
    expect(done).to_have_text("写真を1枚追加しました。")
    expect(done).to_be_focused()
    expect(page.locator(".tracking-photos img")).to_have_count(2)
    assert (
        live_server.sql(
            "SELECT count(*) FROM attachment a JOIN report r ON r.id = a.subject_id "
            "WHERE a.subject_layer = 'report' AND r.public_id = %s",
            public_id,
        )
        == 2
    )
    assert_accessible(page)
    browse.shot(page, "2-photo-added-phone")

    # Sending nothing is refused in words, on the page.
    actions.get_by_role("button", name="選んだ写真を送る").click()
    expect(page.locator(".outcome")).to_have_text("写真が選ばれていません。")

    # Fixed, says the city; not so, says the reporter.
    staff.post(
        f"/reports/{public_id}/status",
        {"status": "resolved", "public_comment": "舗装を補修しました。"},
    )
    page.reload()
    expect(page.locator(".status-now")).to_have_text("対応済み")
    expect(page.locator(".tracking-steps [aria-current='step']")).to_contain_text("完了")
    assert_accessible(page)
    browse.shot(page, "3-resolved-phone")
    actions.get_by_label("どこがまだ直っていませんか（任意）").fill("端の方がまだ欠けています。")
    actions.get_by_role("button", name="まだ直っていないと伝える").click()
    expect(page.locator(".outcome")).to_have_text(
        "「まだ直っていない」と伝えました。市がもう一度確認します。"
    )
    expect(page.locator(".status-now")).to_have_text("受付済み")
    expect(page.locator(".tracking-history li").first).to_contain_text("あなたからの連絡")
    expect(page.get_by_role("button", name="まだ直っていないと伝える")).to_have_count(0)
    assert live_server.sql("SELECT status FROM report WHERE public_id = %s", public_id) == (
        "accepted"
    )
    assert (
        live_server.sql(
            "SELECT s.internal_note FROM report_status_change s JOIN report r "
            "ON r.id = s.report_id WHERE r.public_id = %s AND s.by_reporter",
            public_id,
        )
        == "端の方がまだ欠けています。"
    )
    assert_accessible(page)
    browse.shot(page, "4-reopened-phone")


def test_the_public_sees_a_published_report_with_support_only(
    browse: Browse, live_server: LiveServer
) -> None:
    description = f"歩道の段差で自転車が転びそうです。{uuid.uuid4().hex[:8]}"
    sent = _report(live_server, description)
    public_id = sent["public_id"]
    staff = Staff(live_server)
    staff.post(f"/reports/{public_id}/publish", {"public_description": "歩道に段差があります。"})

    page = browse.open(
        f"/reports/{public_id}", context=_abroad(browse, {"width": 1280, "height": 860})
    )
    expect(page.locator(".public-id")).to_have_text(public_id)
    expect(page.locator("main")).to_contain_text("歩道に段差があります。")
    expect(page.locator("main")).not_to_contain_text(description)  # the reporter's own words
    expect(page.get_by_role("heading", name="写真を追加する")).to_have_count(0)
    expect(page.get_by_role("heading", name="まだ直っていない")).to_have_count(0)
    expect(page.locator("input[type=file], textarea")).to_have_count(0)
    expect(page.locator(".notice").filter(has_text="通報者")).to_have_count(0)
    assert_accessible(page)
    browse.shot(page, "1-public-desktop")

    before = live_server.sql("SELECT supporter_count FROM report WHERE public_id = %s", public_id)
    page.get_by_role("button", name="わたしも困っています").click()
    expect(page.locator(".outcome")).to_have_text(
        "ありがとうございます。「わたしも困っています」を伝えました。"
    )
    expect(page.locator(".supporters")).to_contain_text(f"{before + 1}人")
    assert (
        live_server.sql("SELECT supporter_count FROM report WHERE public_id = %s", public_id)
        == before + 1
    )
    assert_accessible(page)

    # In English, the page and the answer read in English; names stay Japanese, marked so.
    page.locator("[data-lang-menu]").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report status")
    expect(page.get_by_role("button", name="Me too")).to_be_visible()
    expect(page.locator(".tracking-steps [aria-current='step']")).to_contain_text("Received")
    expect(page.get_by_role("link", name="Back to the map")).to_have_attribute("href", "/")
    assert re.search(r"lang=en", page.url)
    assert_accessible(page)
    browse.shot(page, "2-public-desktop-en")
