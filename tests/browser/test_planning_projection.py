"""Staff open the renewal cost projection on the demo city, switch scenarios and see the
totals change, compare two scenarios and find the buildings whose works move, page the
buildings and find the exports."""

from __future__ import annotations

import re
import subprocess
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Browse, LiveServer, assert_accessible, sign_in

BASE = 2026


def test_staff_switch_scenarios_and_compare(browse: Browse, live_server: LiveServer) -> None:
    staff = live_server.person(f"plan-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")
    page = browse.open("", viewport={"width": 1400, "height": 1000})
    sign_in(page, staff)
    page.goto(f"/staff#/planning/projection?base_year={BASE}")
    expect(page.get_by_role("heading", level=1, name="公共施設の更新計画")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("総務省試算（標準）：年度別の更新費用"))
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="年度別・費用分類別の更新費用（万円）")
    expect(table.get_by_role("row")).to_have_count(41)

    soumu = page.request.get(f"/api/planning/projection?base_year={BASE}").json()
    expected = f"{round(soumu['total']):,}"
    expect(page.locator(".projection-figure-box").first.locator("dd")).to_have_text(expected)
    assert soumu["total"] > 0 and soumu["not_projected"]["count"] >= 0
    browse.shot(page, "soumu")
    assert_accessible(page)

    form = page.locator("form.projection-form")
    form.get_by_label("シナリオ", exact=True).select_option("longevity")
    form.get_by_role("button", name="表示").click()
    expect(page.get_by_role("img", name=re.compile("長寿命化：年度別の更新費用"))).to_be_visible()
    longevity = page.request.get(
        f"/api/planning/projection?base_year={BASE}&scenario=longevity"
    ).json()
    assert longevity["total"] != soumu["total"]
    expect(page.locator(".projection-figure-box").first.locator("dd")).to_have_text(
        f"{round(longevity['total']):,}"
    )

    form = page.locator("form.projection-form")
    form.get_by_label("シナリオ", exact=True).select_option("soumu")
    form.get_by_label("比較するシナリオ").select_option("condition")
    form.get_by_role("button", name="表示").click()
    compare = page.get_by_role("table", name="シナリオ別の合計と差（万円）")
    expect(compare).to_be_visible()
    both = page.request.get(f"/api/planning/projection?base_year={BASE}&compare=condition").json()
    difference = both["compare"]["difference"]
    expect(compare.get_by_role("row").last).to_contain_text(f"{round(difference['total']):,}")
    moved = page.get_by_role(
        "table", name=re.compile("劣化状況反映 で工事の時期や内容が変わる建物")
    )
    expect(moved.locator("tbody tr")).to_have_count(len(difference["moved"]))
    assert difference["moved"], "the demo's grades and 旧耐震 buildings move some works"
    browse.shot(page, "compare")
    page.get_by_role("heading", name="時期が変わる建物").scroll_into_view_if_needed()
    browse.shot(page, "moved")
    assert_accessible(page)

    # The buildings, a page at a time, and the exports.
    buildings = page.get_by_role("table", name=re.compile("建物別の40年合計"))
    expect(buildings.locator("tbody tr")).to_have_count(min(20, both["numberMatched"]))
    first_name = both["items"][0]["building_name"]
    expect(buildings.locator("tbody tr").first).to_contain_text(first_name)
    if both["numberMatched"] > 20:
        page.get_by_role("navigation", name="建物一覧のページ").get_by_role(
            "link", name="次へ"
        ).click()
        expect(page.get_by_role("table", name=re.compile("21〜"))).to_be_visible()
    pdf = page.get_by_role("link", name="A4 PDF（議会資料用）")
    assert "compare=condition" in (pdf.get_attribute("href") or "")
    answer = page.request.get(pdf.get_attribute("href") or "")
    assert answer.status == 200 and answer.body().startswith(b"%PDF")
    # Kept beside the screenshots, with its page as PNG, to look at.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = ARTIFACTS / f"{browse.test_name}-council.pdf"
    kept.write_bytes(answer.body())
    subprocess.run(["pdftoppm", "-png", "-r", "80", kept, kept.with_suffix("")], check=True)
    csv_link = page.get_by_role("link", name="建物別CSV")
    answer = page.request.get(csv_link.get_attribute("href") or "")
    assert answer.body().startswith("\ufeff建物ID".encode())
    page.get_by_role("heading", name="建物別の試算").scroll_into_view_if_needed()
    browse.shot(page, "buildings")
