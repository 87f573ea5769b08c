"""The city's roads and parks on the public map (issue 16): off at first, listed with the
other layers, and when switched on with no basemap reachable they draw the streets and
parks to find one's way by."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible
from tests.browser.test_public_map import SETTLED, _settle, _visibility

DRAWN = "(ids) => window.machimap.map.queryRenderedFeatures({layers: ids}).length"


def test_roads_and_parks_draw_the_background_when_the_basemap_is_gone(
    browse: Browse, live_server: LiveServer
) -> None:
    # 焼津駅 and the harbour: emergency routes, planned roads and parks in one view.
    page = browse.open("/?map=14.50/34.8650/138.3180", basemap="fail")
    _settle(page)
    roads = page.get_by_role("checkbox", name=re.compile("^道路（緊急輸送路"))
    parks = page.get_by_role("checkbox", name=re.compile("^公園・緑地"))
    expect(roads).not_to_be_checked()
    expect(parks).not_to_be_checked()
    assert _visibility(page, "road-line") == "none"
    roads.check()
    parks.check()
    page.evaluate(SETTLED)
    assert _visibility(page, "road-line") == "visible"
    assert page.evaluate(DRAWN, ["road-line"]) > 10
    assert page.evaluate(DRAWN, ["green_space-fill"]) > 0
    kinds = page.evaluate(
        "() => new Set(window.machimap.map.queryRenderedFeatures({layers: ['road-line']})"
        ".map((f) => f.properties.kind)).size"
    )
    assert kinds >= 3
    browse.shot(page, "roads-and-parks")
    # A road opens in the details with its kind in words, not its code.
    page.get_by_role("checkbox", name=re.compile("^公共施設")).uncheck()
    page.get_by_role("checkbox", name=re.compile("^危険箇所")).uncheck()
    page.get_by_role("checkbox", name=re.compile("^市民通報")).uncheck()
    page.get_by_role("checkbox", name=re.compile("^地区")).uncheck()
    parks.uncheck()
    page.evaluate(SETTLED)
    item = page.locator(".feature-item").filter(has_text=re.compile("緊急輸送路")).first
    item.click()
    details = page.locator("#details")
    expect(details).to_contain_text("緊急輸送路")
    expect(details).not_to_contain_text("emergency_")
    browse.shot(page, "road-details")
    assert_accessible(page)
