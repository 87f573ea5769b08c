"""Inspections as staff record and read them: an inspector on a phone beside a building
grades the five parts of a 建築基準法12条 inspection, takes a photo and records it where
the connection has gone; the page keeps it on the device and sends it, once, when the
connection returns. Back at the desk, staff find it through the due board, open its sheet,
release the findings and take the A4 PDF."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible, sign_in

PARTS = {"屋根・屋上": "B", "外壁": "C", "内部仕上": "A", "電気設備": "B", "機械設備": "A"}


def _photo() -> bytes:
    """A JPEG like a phone's: a wall with a crack drawn across it."""
    image = Image.new("RGB", (1200, 900), (196, 190, 180))
    draw = ImageDraw.Draw(image)
    draw.line([(100, 120), (420, 380), (610, 420), (1050, 800)], fill=(60, 55, 50), width=9)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _kept_on_device(page: Any) -> int:
    count: int = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("machimap-inspections");
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains("drafts")) return resolve(0);
                const req = db.transaction("drafts").objectStore("drafts").count();
                req.onsuccess = () => resolve(req.result);
                req.onerror = () => reject(req.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )
    return count


def test_an_inspector_records_a_building_inspection_offline_and_staff_read_it_on_the_board(
    browse: Browse, live_server: LiveServer
) -> None:
    building, name = live_server.sql(
        "SELECT ARRAY[b.id::text, f.name || ' ' || b.name] FROM facility_building b "
        "JOIN facility f ON f.id = b.facility_id WHERE b.in_use ORDER BY b.id LIMIT 1"
    )
    findings = f"北面外壁にひび割れ（幅0.3mm程度） {uuid.uuid4().hex[:6]}"
    staff = live_server.person(f"assets-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")

    # In the field, on a phone.
    page = browse.open("", viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(page, staff)
    expect(page.get_by_role("link", name="点検", exact=True)).to_be_visible()
    page.goto(
        f"/staff#/inspections/new?subject_layer=facility_building&subject_id={building}"
        "&kind=building_article12"
    )
    expect(page.get_by_role("heading", level=1, name="点検の記録")).to_be_visible()
    expect(page.locator(".insp-subject")).to_contain_text(name)
    form = page.locator("form.inspection-form")
    expect(form.get_by_label("点検の種類")).to_have_value("building_article12")
    for part, grade in PARTS.items():
        form.get_by_role("group", name=part, exact=True).get_by_label(grade, exact=True).check()
    # The overall grade is the worst part's until the inspector chooses one.
    overall = form.get_by_role("group", name="総合判定")
    expect(overall.get_by_label("C", exact=True)).to_be_checked()
    form.get_by_label("外壁の所見").fill("北面にひび割れ")
    form.get_by_label("所見", exact=True).fill(findings)
    form.get_by_label("今後の対応", exact=True).select_option(label="修繕")
    form.get_by_label("対応期限").fill("2027-03-31")
    form.get_by_label("対応の内容").fill("ひび割れ補修（エポキシ樹脂注入）")
    form.get_by_label("カメラで撮る").set_input_files(
        [{"name": "wall.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    expect(form.get_by_role("img", name="写真 1")).to_be_visible()
    # The touch targets are big enough for a thumb.
    box = form.get_by_role("group", name="屋根・屋上").locator("label", has_text="B").bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48
    browse.shot(page, "1-form")
    assert_accessible(page)

    # The connection goes: the inspection is kept on the phone, not lost.
    page.context.set_offline(True)
    form.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status").filter(has_text="この端末に保存しました")).to_be_visible()
    expect(page.locator(".insp-kept-list")).to_contain_text(name)
    assert _kept_on_device(page) == 1
    count = (
        "SELECT count(*) FROM inspection WHERE subject_layer = 'facility_building' "
        "AND subject_id = %s AND findings = %s"
    )
    assert live_server.sql(count, int(building), findings) == 0
    browse.shot(page, "2-kept-offline")
    assert_accessible(page)

    # It comes back: sent by itself, once.
    page.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="点検を記録しました。")).to_be_visible()
    expect(page.locator(".insp-kept-list")).to_have_count(0)
    assert _kept_on_device(page) == 0
    assert live_server.sql(count, int(building), findings) == 1
    inspection = live_server.sql(
        "SELECT id FROM inspection WHERE subject_layer = 'facility_building' AND subject_id = %s "
        "AND findings = %s",
        int(building),
        findings,
    )
    assert (
        live_server.sql(
            "SELECT string_agg(part || grade, ',' ORDER BY part) FROM inspection_part_grade "
            "WHERE inspection_id = %s",
            inspection,
        )
        == "electricalB,exterior_wallC,interiorA,mechanicalA,roofB"
    )
    assert live_server.sql("SELECT overall_grade FROM inspection WHERE id = %s", inspection) == "C"
    assert (
        live_server.sql(
            "SELECT count(*) FROM attachment "
            "WHERE subject_layer = 'inspection' AND subject_id = %s",
            inspection,
        )
        == 1
    )
    browse.shot(page, "3-sent")

    # At the desk: the board, then the inspection's sheet through its row.
    desk = browse.open("")
    sign_in(desk, staff)
    desk.get_by_role("link", name="点検", exact=True).click()
    expect(desk).to_have_url(re.compile("#/inspections$"))
    expect(desk.get_by_role("heading", level=1, name="点検の予定と期限切れ")).to_be_visible()
    expect(desk.locator(".due-map-canvas canvas")).to_be_visible()
    # Every subject with a place is a marker (the demo's buildings, play equipment …).
    expect(desk.locator(".due-map-canvas")).to_have_attribute("data-markers", re.compile(r"^[1-9]"))
    expect(desk.locator("table.due-list tbody tr").first).to_be_visible()
    expect(desk.locator(".insp-counts")).to_contain_text("期限切れ")
    csv_href = desk.get_by_role("link", name="CSV をダウンロード").get_attribute("href")
    csv = desk.request.get(csv_href or "")
    assert csv.ok and csv.body().startswith(b"\xef\xbb\xbf")
    browse.shot(desk, "4-board")
    assert_accessible(desk)

    desk.get_by_label("点検の種類", exact=True).select_option("building_article12")
    expect(desk).to_have_url(re.compile("kind=building_article12"))
    desk.get_by_label("状態", exact=True).select_option(label="期限内")
    expect(desk).to_have_url(re.compile("status=ok"))
    # Latest next-due first: the inspection just recorded is due in 36 months.
    desk.get_by_role("button", name="次回期限で並べ替え").click()
    expect(desk).to_have_url(re.compile("sort=-next_due"))
    row = desk.locator("table.due-list tbody tr", has_text=name).first
    expect(row).to_contain_text("期限内")
    browse.shot(desk, "5-board-filtered")
    row.get_by_role("link", name=re.compile("前回の点検票")).click()
    expect(desk).to_have_url(re.compile(f"#/inspections/{inspection}$"))
    expect(desk.get_by_role("heading", level=1, name=re.compile("点検票"))).to_contain_text(name)
    parts = desk.locator("table.parts-table")
    expect(parts.locator("tr", has_text="外壁")).to_contain_text("C")
    expect(parts.locator("tr", has_text="外壁")).to_contain_text("北面にひび割れ")
    expect(desk.get_by_text(findings)).to_be_visible()
    expect(desk.locator(".photos img")).to_have_count(1)

    # Releasing the findings to the public, with the version read (If-Match).
    desk.get_by_label("所見と写真を公開する").check()
    expect(desk.get_by_role("status").filter(has_text="公開しました。")).to_be_visible()
    assert live_server.sql("SELECT released FROM inspection WHERE id = %s", inspection) is True
    browse.shot(desk, "6-sheet")
    assert_accessible(desk)

    pdf = desk.request.get(
        desk.get_by_role("link", name="点検票 PDF（A4）").get_attribute("href") or ""
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_parks_staff_record_a_playground_inspection_from_the_board_in_english(
    browse: Browse, live_server: LiveServer
) -> None:
    """From the board's row to the form: play equipment is graded with the JPFA hazard level
    rather than parts, and the page works the same in English."""
    staff = live_server.person(f"parks-{uuid.uuid4().hex[:8]}@example.jp", "staff", "parks")
    page = browse.open("", viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(page, staff)
    expect(page.get_by_role("link", name="点検", exact=True)).to_be_visible()
    page.goto("/staff?lang=en#/inspections?kind=playground&status=all")
    expect(page.get_by_role("heading", level=1, name="Inspections due and overdue")).to_be_visible()
    row = page.locator("table.due-list tbody tr").first
    subject = row.locator("th").inner_text()
    equipment = int(
        (row.get_attribute("data-subject") or "").split("/")[1]  # facility/{id}/playground
    )
    row.get_by_role("link", name=re.compile("^Record a ")).click()
    expect(page.get_by_role("heading", level=1, name="Record an inspection")).to_be_visible()
    expect(page.locator(".insp-subject")).to_contain_text(subject)
    form = page.locator("form.inspection-form")
    expect(form.get_by_label("Inspection kind")).to_have_value("playground")
    # No parts for play equipment: the overall grade and the hazard level.
    expect(form.get_by_role("group", name="Roof")).to_have_count(0)
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_role("alert")).to_contain_text("Overall grade")
    expect(page.get_by_role("alert")).to_contain_text("Hazard level (JPFA)")
    form.get_by_role("group", name="Overall grade").get_by_label("B", exact=True).check()
    form.get_by_role("group", name="Hazard level (JPFA)").get_by_label("1 Minor hazard").check()
    form.get_by_label("Findings", exact=True).fill("Chain worn at the top shackle")
    browse.shot(page, "1-playground-form")
    assert_accessible(page)
    form.get_by_role("button", name="Record").click()
    expect(
        page.get_by_role("status").filter(has_text="The inspection is recorded.")
    ).to_be_visible()
    assert (
        live_server.sql(
            "SELECT overall_grade || hazard_level FROM inspection WHERE subject_layer = 'facility' "
            "AND subject_id = %s AND findings = 'Chain worn at the top shackle'",
            equipment,
        )
        == "B1"
    )
    page.get_by_role("link", name="Open the inspection sheet").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Inspection sheet"))
    ).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text("1 Minor hazard")
    browse.shot(page, "2-playground-sheet")
    assert_accessible(page)


def test_an_inspection_kept_offline_is_sent_on_the_next_visit(
    browse: Browse, live_server: LiveServer
) -> None:
    """The inspector records offline and closes the page; the next time the staff pages
    open with a connection, whatever the view, it is sent (once) and leaves the device."""
    building = live_server.sql(
        "SELECT id FROM facility_building WHERE in_use ORDER BY id OFFSET 1 LIMIT 1"
    )
    findings = f"屋上防水シートの浮き {uuid.uuid4().hex[:6]}"
    staff = live_server.person(f"assets-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")
    page = browse.open("", viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(page, staff)
    expect(page.get_by_role("link", name="点検", exact=True)).to_be_visible()
    page.goto(
        f"/staff#/inspections/new?subject_layer=facility_building&subject_id={building}"
        "&kind=building_article12"
    )
    form = page.locator("form.inspection-form")
    for part in PARTS:
        form.get_by_role("group", name=part, exact=True).get_by_label("A", exact=True).check()
    form.get_by_label("所見", exact=True).fill(findings)
    context = page.context
    context.set_offline(True)
    form.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status").filter(has_text="この端末に保存しました")).to_be_visible()
    page.close()
    count = (
        "SELECT count(*) FROM inspection WHERE subject_layer = 'facility_building' "
        "AND subject_id = %s AND findings = %s"
    )
    assert live_server.sql(count, building, findings) == 0

    context.set_offline(False)
    later = browse.open("", context=context)
    with later.expect_response(
        lambda r: r.url.endswith("/api/inspections") and r.request.method == "POST"
    ) as answer:
        later.goto("/staff#/queue")
    assert answer.value.status == 201
    assert answer.value.request.header_value("Idempotency-Key")
    assert live_server.sql(count, building, findings) == 1
    later.get_by_role("link", name="点検", exact=True).click()
    expect(later.get_by_role("heading", level=1, name="点検の予定と期限切れ")).to_be_visible()
    expect(later.locator(".insp-kept-list")).to_have_count(0)
    assert _kept_on_device(later) == 0
    assert (
        live_server.sql("SELECT overall_grade FROM inspection WHERE findings = %s", findings) == "A"
    )
