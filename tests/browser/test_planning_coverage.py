"""Staff open the coverage tab on the demo city, close the 住民センター that serves the most
people, and see the 40-year saving and the people beyond the distance change; then ask
which k centres to keep. The basemap's tiles are whatever the test server gives: the
table works whether the map draws or not."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible, sign_in


def test_staff_close_a_centre_and_see_the_saving_and_who_loses_service(
    browse: Browse, live_server: LiveServer
) -> None:
    staff = live_server.person(f"assets-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")
    page = browse.open("")
    sign_in(page, staff)
    expect(page.get_by_role("link", name="施設計画", exact=True)).to_be_visible()
    page.goto("/staff#/planning/coverage")
    expect(page.get_by_role("heading", level=2, name="現状")).to_be_visible()
    rows = page.locator("table.coverage-table tbody tr")
    expect(rows.first).to_be_visible()
    served = [
        int(re.sub(r"\D", "", text)) for text in rows.locator("td:nth-child(2)").all_inner_texts()
    ]
    assert sum(served) > 100_000  # the demo's synthetic ~136,000 people, all served
    busiest = rows.nth(served.index(max(served)))
    name = busiest.locator("th").inner_text()
    expect(page.locator(".coverage-map-canvas[data-ready=true]")).to_be_visible()
    browse.shot(page, "1-coverage")
    assert_accessible(page)

    busiest.get_by_label(f"{name} の統廃合").select_option(label="廃止")
    page.get_by_role("button", name="統廃合を試算").click()
    result = page.locator(".coverage-result")
    expect(result.get_by_role("heading", name="試算の結果")).to_be_focused()
    saving = float(result.locator("dd.saving").get_attribute("data-man-yen") or "0")
    assert saving > 0
    expect(result.locator("dd.saving")).to_contain_text("万円")
    expect(result.locator("dd.saving")).to_contain_text("億円")
    now = int(result.locator("[data-beyond-now]").get_attribute("data-beyond-now") or "0")
    after = int(result.locator("[data-beyond-after]").get_attribute("data-beyond-after") or "0")
    assert after > now
    expect(result.get_by_role("table", name="地区ごとの距離外の人")).to_be_visible()
    browse.shot(page, "2-closed")
    assert_accessible(page)

    page.get_by_label("残す数 k").fill("5")
    page.get_by_role("button", name="提案を求める").click()
    # The first suggestion loads the solver (spopt takes seconds to import).
    expect(page.locator(".suggestion-answer")).to_contain_text("5 施設を残すと", timeout=60_000)
    expect(page.locator(".keep-list li")).to_have_count(5)
    page.locator(".suggestion-answer").scroll_into_view_if_needed()
    browse.shot(page, "3-suggestion")
    assert_accessible(page)
