"""Staff open the planning section's priority and hotspot tabs on the demo city: the ranking
shows every building's parts with their inputs and the chart of the top buildings with its
table; the hotspot map shades the 250 m squares and outlines the clusters, with a legend
and the top squares named by place; both axe clean, in Japanese and English."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible, sign_in


def test_staff_read_the_priority_ranking_and_the_hotspot_map(
    browse: Browse, live_server: LiveServer
) -> None:
    in_use = int(live_server.sql("SELECT count(*) FROM facility_building WHERE in_use"))
    staff = live_server.person(f"plan-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")
    page = browse.open("")
    sign_in(page, staff)
    expect(page.get_by_role("link", name="施設計画")).to_be_visible()
    page.goto("/staff#/planning/priority")
    expect(page.get_by_role("heading", level=2, name="更新の優先順位")).to_be_visible()
    expect(page.locator(".plan-priority-count")).to_have_text(f"{in_use}棟")
    ranking = page.locator("table.plan-priority-list")
    expect(ranking.locator("thead th")).to_have_text(
        [
            "順位",
            "棟",
            "地区",
            "劣化（健全度）",
            "耐震",
            "経過年数",
            "災害リスク（浸水）",
            "利用（人口）",
            "合計",
            "主な理由",
        ]
    )
    first = ranking.locator("tbody tr").first
    expect(first.locator("td").first).to_have_text("1")
    # Each part shows its score and the input it came from.
    expect(first.locator(".plan-priority-input").nth(2)).to_contain_text(re.compile(r"築\d+年"))
    expect(first.locator(".plan-priority-reasons li").first).to_be_visible()
    # The chart of the top five and its table give the same numbers.
    chart = page.get_by_role("img", name="上位5棟の要素別の点数")
    expect(chart).to_be_visible()
    top = page.locator("table.plan-priority-top tbody tr")
    expect(top).to_have_count(5)
    expect(page.get_by_role("link", name="CSVで保存（全件）")).to_have_attribute(
        "href", re.compile(r"^/api/planning/priority\?f=csv")
    )
    assert_accessible(page)
    browse.shot(page, "priority")
    chart.scroll_into_view_if_needed()
    browse.shot(page, "priority-chart")
    ranking.scroll_into_view_if_needed()
    browse.shot(page, "priority-table")

    # A filter keeps the city-wide rank.
    page.get_by_label("施設の種類").select_option("school")
    page.get_by_role("button", name="表示").click()
    expect(page).to_have_url(re.compile(r"kind=school"))
    expect(ranking.locator("tbody tr").first.locator(".plan-priority-kind")).to_have_text("学校")

    page.goto("/staff#/planning/hotspots")
    expect(page.get_by_role("heading", level=2, name="危険箇所・通報の集中箇所")).to_be_visible()
    canvas = page.locator(".plan-hotspots-canvas")
    expect(canvas).to_have_attribute("data-cells", re.compile(r"^[1-9]\d*$"))
    expect(page.locator(".plan-hotspots-legend li").first).to_contain_text("件")
    cells = page.locator("table.plan-hotspots-table").first
    expect(cells.locator("tbody tr").first.locator("th")).to_contain_text("区画")
    assert_accessible(page)
    browse.shot(page, "hotspots")
    cells.scroll_into_view_if_needed()
    browse.shot(page, "hotspots-tables")

    # Reports only, in a date range: the URL keeps it, the map redraws.
    page.get_by_label("対象").select_option("reports")
    page.get_by_role("button", name="表示").click()
    expect(page).to_have_url(re.compile(r"source=reports"))
    expect(page.get_by_role("heading", level=2, name="危険箇所・通報の集中箇所")).to_be_visible()

    english = browse.open("")
    sign_in(english, staff)
    expect(english.get_by_role("link", name="施設計画")).to_be_visible()
    english.goto("/staff?lang=en#/planning/priority")
    expect(english.get_by_role("heading", level=2, name="Renewal priorities")).to_be_visible()
    expect(english.locator("table.plan-priority-list tbody tr").first).to_be_visible()
    assert_accessible(english)
    browse.shot(english, "priority-en")
