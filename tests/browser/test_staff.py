"""The staff pages at /staff as city staff use them each morning: sign in, find a resident's
report in the queue, publish it with corrected text and its photo released (and see it on
the public map), move reports along with comments, read the response-time figures, and a
resident who signs in here told plainly that the pages are for staff. Every view is checked
with axe-core, in Japanese and in English, and at 200% zoom."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible, sign_in
from tests.conftest import Person

# A street in 焼津市 (inside the demo city's districts).
LAT, LON = 34.8669, 138.3187
ZOOMED = {"width": 640, "height": 430}  # a 1280×860 window at 200%


def _photo() -> bytes:
    """A photo as a phone would send it: a JPEG with something in it."""
    image = Image.new("RGB", (640, 480), (120, 130, 140))
    for x in range(0, 640, 8):
        for y in range(300, 480, 8):
            image.putpixel((x, y), (60 + x % 120, 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _resident_report(server: LiveServer, description: str, category: str = "road_damage") -> Any:
    """A report sent through the real API exactly as the public would, photo and all."""
    answer = httpx.post(
        f"{server.url}/api/reports",
        data={
            "category": category,
            "description": description,
            "lat": str(LAT),
            "lon": str(LON),
            "accuracy_m": "12",
            "location_source": "gps",
            "consent_publish": "true",
            "contact_name": "焼津 太郎",
            "contact_email": "taro@example.jp",
            "notify": "true",
        },
        files=[("photos", ("IMG_0001.jpg", _photo(), "image/jpeg"))],
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _staff(server: LiveServer, department: str = "road") -> Person:
    # The browser tests share one server: each test its own account.
    return server.person(f"{department}-{uuid.uuid4().hex[:8]}@example.jp", "staff", department)


def _signed_in(browse: Browse, person: Person, **options: Any) -> Any:
    page = browse.open("", **options)
    sign_in(page, person)
    expect(page.get_by_role("heading", level=1, name=re.compile("処理待ちの通報"))).to_be_visible()
    return page


def _fits(page: Any) -> bool:
    """Nothing wider than the window: the page reflows instead of scrolling sideways."""
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def test_staff_publish_a_residents_report_and_the_public_map_shows_it(
    browse: Browse, live_server: LiveServer
) -> None:
    marker = uuid.uuid4().hex[:6]
    original = f"歩道の段差で転びました。090-1234-5678 まで連絡ください。{marker}"
    corrected = f"歩道に段差があり、つまずきやすくなっています（{marker}）。"
    report = _resident_report(live_server, original)
    public_id = report["public_id"]
    anonymous = httpx.get(f"{live_server.url}/api/reports/{public_id}")
    assert anonymous.status_code == 401  # not public before staff publish it

    page = _signed_in(browse, _staff(live_server))
    browse.shot(page, "queue")
    # The queue opens on my department's open reports, oldest first; newest first finds
    # this morning's report at once, and the filter goes into the URL.
    page.get_by_label("並び順").select_option("newest")
    page.get_by_label("公開", exact=True).select_option("false")
    expect(page).to_have_url(re.compile(r"#/queue\?.*sort=newest"))
    row = page.locator("table.queue-table tbody tr", has_text=public_id)
    expect(row).to_contain_text("道路の損傷")
    expect(row).to_contain_text("受付待ち")
    expect(row).to_contain_text("非公開")
    expect(page.locator(".queue-count")).to_contain_text("条件に合う通報")
    browse.shot(page, "queue-filtered")

    row.get_by_role("link", name=public_id).click()
    expect(page.get_by_role("heading", level=1, name=f"通報 {public_id}")).to_be_visible()
    expect(page).to_have_url(re.compile(f"#/reports/{public_id}$"))
    expect(page.get_by_text(original)).to_be_visible()  # the original, for staff only
    expect(page.get_by_text("taro@example.jp")).to_be_visible()
    thumbnail = page.get_by_role("img", name="通報の写真1（縮小）").first
    expect(thumbnail).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    browse.shot(page, "detail")

    page.get_by_label("公開する文（住民が読む文）").fill(corrected)
    page.get_by_role("group", name="写真1の扱い").get_by_label("公開する", exact=True).check()
    page.get_by_role("button", name="公開する", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="公開しました。")).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text("公開中")
    expect(page.locator(".photo-caption")).to_contain_text("公開中")
    browse.shot(page, "published")

    assert live_server.sql("SELECT is_public FROM report WHERE public_id = %s", public_id)
    assert (
        live_server.sql("SELECT public_description FROM report WHERE public_id = %s", public_id)
        == corrected
    )
    # What the public now get: the corrected text and the photo, never the original.
    public = httpx.get(f"{live_server.url}/api/reports/{public_id}").json()
    assert public["public_description"] == corrected
    assert "090-1234-5678" not in str(public) and "taro@example.jp" not in str(public)
    assert len(public["photos"]) == 1
    photo = httpx.get(f"{live_server.url}{public['photos'][0]['url']}")
    assert photo.status_code == 200 and photo.headers["content-type"].startswith("image/")

    # Back returns to the queue as it was left.
    page.go_back()
    expect(page.get_by_role("heading", level=1, name="処理待ちの通報")).to_be_visible()
    expect(page.get_by_label("並び順")).to_have_value("newest")

    # The public map, opened by a resident (a fresh browser context, not signed in) where the
    # report is: its list of what is on screen (the map's accessible alternative) names the
    # report, and opening it shows the text staff published. (The public map is another
    # helper's page; this part follows its list view and details.)
    resident = browse.open(f"/?map=17/{LAT}/{LON}&layers=report")
    listed = resident.get_by_role("button", name=re.compile(public_id))
    expect(listed.first).to_be_visible(timeout=20_000)
    browse.shot(resident, "public-map")
    listed.first.click()
    expect(resident.get_by_text(corrected).first).to_be_visible()
    expect(resident.get_by_text("090-1234-5678")).to_have_count(0)
    browse.shot(resident, "public-map-report")


def test_status_change_comment_hazard_and_reassign(browse: Browse, live_server: LiveServer) -> None:
    report = _resident_report(live_server, "マンホールのふたががたついて音がします。")
    public_id = report["public_id"]
    page = _signed_in(browse, _staff(live_server))
    page.goto(f"/staff#/reports/{public_id}")
    expect(page.get_by_role("heading", level=1, name=f"通報 {public_id}")).to_be_visible()

    page.get_by_label("新しい状態").select_option("in_progress")
    page.get_by_label("住民向けのコメント（任意）").fill("現地を確認し、補修の手配をしました。")
    page.get_by_label("内部メモ（任意・職員のみ）").fill("業者A社に依頼済み")
    page.get_by_role("button", name="状態を変更する").click()
    expect(
        page.get_by_role("status").filter(has_text="状態を「対応中」に変更しました。")
    ).to_be_visible()
    history = page.locator("ol.history")
    expect(history).to_contain_text("「対応中」に変更")
    expect(history).to_contain_text("現地を確認し、補修の手配をしました。")
    expect(history).to_contain_text("業者A社に依頼済み")
    expect(page.locator(".detail-status")).to_contain_text("対応中")
    # The form offers only real changes: the current status is not among the choices.
    expect(page.get_by_label("新しい状態").locator("option[value=in_progress]")).to_have_count(0)
    browse.shot(page, "in-progress")

    # An empty comment is caught on the page, not refused by the server.
    page.get_by_role("button", name="コメントを追加する").click()
    expect(page.get_by_role("alert").filter(has_text="どちらかを書いてください")).to_be_visible()
    page.get_by_label("住民向けのコメント", exact=True).fill("来週中に補修します。")
    page.get_by_role("button", name="コメントを追加する").click()
    expect(page.get_by_role("status").filter(has_text="コメントを追加しました。")).to_be_visible()
    expect(history).to_contain_text("来週中に補修します。")

    assert live_server.sql("SELECT status FROM report WHERE public_id = %s", public_id) == (
        "in_progress"
    )
    assert (
        live_server.sql(
            "SELECT s.public_comment FROM report_status_change s JOIN report r"
            " ON r.id = s.report_id WHERE r.public_id = %s AND s.to_status = 'in_progress'"
            " AND s.from_status = 'submitted'",
            public_id,
        )
        == "現地を確認し、補修の手配をしました。"
    )
    assert (
        live_server.sql(
            "SELECT count(*) FROM report_status_change s JOIN report r ON r.id = s.report_id"
            " WHERE r.public_id = %s AND s.public_comment = %s",
            public_id,
            "来週中に補修します。",
        )
        == 1
    )

    # Confirmed on site: it becomes a hazard on the map.
    page.get_by_text("危険箇所にする").click()
    page.get_by_label("危険箇所の種類").select_option("road_damage")
    page.get_by_label("危険度").select_option("3")
    page.get_by_role("button", name="危険箇所に登録する").click()
    expect(
        page.get_by_role("status").filter(has_text="危険箇所を作成して関連付けました。")
    ).to_be_visible()
    hazard_id = live_server.sql("SELECT hazard_id FROM report WHERE public_id = %s", public_id)
    assert hazard_id is not None
    assert live_server.sql("SELECT severity FROM hazard WHERE id = %s", hazard_id) == 3
    expect(page.locator(".facts").first).to_contain_text(f"危険箇所 #{hazard_id}")

    # Handing it to the river division: from then on the page explains instead of offering
    # actions the server would refuse.
    page.get_by_text("担当課を変える").click()
    page.get_by_label("新しい担当課").select_option("river")
    page.get_by_role("button", name="担当課を変更する").click()
    expect(
        page.get_by_role("status").filter(has_text="担当課を河川課に変更しました。")
    ).to_be_visible()
    expect(page.locator(".detail-actions")).to_contain_text("この通報の担当は河川課です")
    expect(page.get_by_role("button", name="状態を変更する")).to_have_count(0)
    assert (
        live_server.sql(
            "SELECT d.code FROM report r JOIN department d ON d.id = r.department_id"
            " WHERE r.public_id = %s",
            public_id,
        )
        == "river"
    )
    browse.shot(page, "reassigned")


def _days(value: float | None) -> str:
    return "—データなし" if value is None else f"{value:.1f}"


def test_response_time_figures_are_charts_with_tables(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _signed_in(browse, _staff(live_server))
    page.get_by_role("link", name="対応状況の集計").click()
    expect(page.get_by_role("heading", level=1, name="対応状況の集計")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    expect(charts.first.locator("rect.bar").first).to_be_visible()
    figures = page.request.get("/api/triage/figures").json()
    browse.shot(page, "figures")

    # Every chart is an image with a name, and its numbers are in the table under it.
    for n in range(3):
        chart = charts.nth(n)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").text_content()
    departments = page.locator("table.figures-table").nth(0)
    for row in figures["by_department"]:
        cells = departments.locator(f'tr[data-code="{row["code"] or ""}"] td')
        expect(cells).to_have_text(
            [
                f"{row['reports']:,}",
                _days(row["median_days_to_accepted"]),
                f"{row['reached_accepted']:,}",
                _days(row["median_days_to_resolved"]),
                f"{row['reached_resolved']:,}",
                f"{row['open']:,}",
            ]
        )
    bars = charts.nth(0).locator("rect.bar")
    drawn = [
        v
        for row in figures["by_department"]
        for v in (row["median_days_to_accepted"], row["median_days_to_resolved"])
        if v is not None
    ]
    expect(bars).to_have_count(len(drawn))
    categories = page.locator("table.figures-table").nth(1)
    for row in figures["by_category"]:
        expect(categories.locator(f'tr[data-code="{row["code"]}"] td').first).to_have_text(
            f"{row['reports']:,}"
        )
    backlog = page.locator("table.backlog-table")
    for bucket, count in figures["overall"]["open_by_age"].items():
        expect(backlog.locator(f'tr[data-code="{bucket}"] td')).to_have_text(f"{count:,}")
    assert_accessible(page)

    # A period: the figures follow it, and the URL keeps it.
    page.get_by_label("開始日（受付日）").fill("2026-01-01")
    page.get_by_label("終了日（受付日）").fill("2026-12-31")
    page.get_by_role("button", name="集計する").click()
    expect(
        page.get_by_role("status").filter(has_text="2026年1月1日〜2026年12月31日")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/figures\?since=2026-01-01&until=2026-12-31"))
    period = page.request.get("/api/triage/figures?since=2026-01-01&until=2026-12-31").json()
    expect(page.locator(".stats .stat").first.locator("dd")).to_have_text(
        f"{period['overall']['reports']:,}件"
    )
    browse.shot(page, "figures-period")

    # At 200% zoom the charts and tables reflow (the tables scroll inside their region).
    page.set_viewport_size(ZOOMED)
    expect(charts.first).to_be_visible()
    assert _fits(page)
    browse.shot(page, "figures-zoomed")


def test_a_resident_signing_in_is_told_the_pages_are_for_staff(
    browse: Browse, live_server: LiveServer
) -> None:
    resident = live_server.person(f"resident-{uuid.uuid4().hex[:8]}@example.jp")
    page = browse.open("")
    sign_in(page, resident)
    expect(page.get_by_role("heading", level=1, name="この画面は市の職員専用です")).to_be_visible()
    expect(page.get_by_text(resident.email, exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="通報する").last).to_be_visible()
    browse.shot(page, "resident")
    assert_accessible(page)
    # Signing out brings the sign-in form back.
    page.get_by_role("button", name="ログアウトする").click()
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()


def test_every_view_is_accessible_in_japanese_english_and_zoomed(
    browse: Browse, live_server: LiveServer
) -> None:
    report = _resident_report(live_server, "ガードレールが曲がっています。")
    page = browse.open("/staff")
    expect(page.get_by_role("heading", level=1, name="職員ログイン")).to_be_visible()
    expect(page.get_by_label("メールアドレス")).to_be_visible()
    assert_accessible(page)
    browse.shot(page, "sign-in")

    sign_in(page, _staff(live_server))
    expect(page.get_by_role("heading", level=1, name="処理待ちの通報")).to_be_visible()
    expect(page.locator("table.queue-table")).to_be_visible()
    expect(page.locator(".queue-map canvas")).to_be_visible()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    assert_accessible(page)

    # English: everything on the page changes, the queue too, and the URL keeps it.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1, name="Report queue")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Status", exact=True)).to_be_visible()
    expect(page.locator("table.queue-table thead")).to_contain_text("Reference")
    expect(page.locator("table.queue-table tbody")).to_contain_text("Road damage")
    expect(page.locator(".queue-count")).to_contain_text("Reports matching")
    expect(page.locator(".staff-account")).to_contain_text("Road Division")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".queue-map canvas")).to_be_visible()
    assert "lang=en" in page.url
    assert_accessible(page)
    browse.shot(page, "queue-english")
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("heading", level=1, name="処理待ちの通報")).to_be_visible()

    page.goto(f"/staff#/reports/{report['public_id']}")
    expect(page.get_by_role("heading", level=1, name=f"通報 {report['public_id']}")).to_be_visible()
    # The less common actions open on request; open them all for the check.
    for summary in page.locator("details.action > summary").all():
        summary.click()
    assert_accessible(page)
    browse.shot(page, "detail")

    # 200% zoom: the queue and a report reflow into one column.
    page.set_viewport_size(ZOOMED)
    page.evaluate("() => window.scrollTo(0, 0)")
    expect(page.get_by_role("heading", level=1)).to_contain_text(report["public_id"])
    assert _fits(page)
    browse.shot(page, "detail-zoomed")
    page.goto("/staff#/queue")
    expect(page.get_by_role("heading", level=1, name="処理待ちの通報")).to_be_visible()
    expect(page.locator("table.queue-table")).to_be_visible()
    assert _fits(page)
    assert_accessible(page)
    browse.shot(page, "queue-zoomed")
