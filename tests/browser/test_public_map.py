"""The public map at / as residents and GIS people use it: layers switched off and on (on the
map and in the list of what is on screen), a facility opened from the list by keyboard and
from the map by a click, with its inspections; English; links that restore a view; a map
that still works when 地理院タイル cannot be reached; a phone and 200% zoom; locate-me,
refused and allowed. Every view is checked with axe-core."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible

ZOOMED = {"width": 640, "height": 430}  # a 1280×860 window at 200%

# Waits until the map has drawn what it was asked to and the list has caught up with it.
SETTLED = """() => new Promise((resolve) => {
    // A phone's closed panel hides the list, which is then not read at all.
    const hidden = () => matchMedia('(max-width: 50rem)').matches
        && !document.querySelector('#panel').classList.contains('is-open');
    const listDone = () => {
        const check = () => !hidden() && (document.querySelector('#feature-list[aria-busy]')
            || !document.querySelector('#list-status').textContent)
            ? setTimeout(check, 50) : resolve(true);
        check();
    };
    const m = window.machimap.map;
    if (!m.isMoving() && m.loaded() && m.areTilesLoaded()) listDone();
    else m.once('idle', listDone);
})"""


def _settle(page: Any) -> None:
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    page.evaluate(SETTLED)


def _open(browse: Browse, path: str = "/", **options: Any) -> Any:
    page = browse.open(path, **options)
    _settle(page)
    return page


def _visibility(page: Any, style_layer: str) -> str:
    return str(
        page.evaluate(
            "(id) => window.machimap.map.getLayoutProperty(id, 'visibility') || 'visible'",
            style_layer,
        )
    )


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _fits(page: Any) -> bool:
    """Nothing wider than the window: the page reflows instead of scrolling sideways."""
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def _inspected_facility(server: LiveServer) -> tuple[int, str, float, float, date]:
    """A facility with an inspection on record: id, name, lon, lat, the inspection date."""
    row = server.sql(
        "SELECT ARRAY[f.id::text, f.name, ST_X(f.geom)::text, ST_Y(f.geom)::text,"
        " i.inspected_on::text] FROM facility f"
        # The demo inspects buildings; a facility's records list its buildings' inspections.
        " JOIN facility_building b ON b.facility_id = f.id"
        " JOIN inspection i ON i.subject_layer = 'facility_building' AND i.subject_id = b.id"
        # One the first view shows (a primary kind), a place of its own (no other roles).
        " WHERE f.kind IN ('shelter', 'evacuation_site', 'tsunami_evacuation_building', 'aed')"
        " AND NOT EXISTS (SELECT 1 FROM facility o WHERE o.site_id = f.site_id AND o.id <> f.id)"
        " ORDER BY f.id, i.inspected_on DESC LIMIT 1"
    )
    return int(row[0]), row[1], float(row[2]), float(row[3]), date.fromisoformat(row[4])


def test_layers_toggle_and_a_facility_shows_its_inspections(
    browse: Browse, live_server: LiveServer
) -> None:
    fid, name, lon, lat, inspected = _inspected_facility(live_server)
    page = _open(browse, "/")
    expect(page).to_have_title(re.compile("焼津市"))
    facilities = page.get_by_role("checkbox", name=re.compile("公共施設"))
    expect(facilities).to_be_checked()
    assert _visibility(page, "facility-symbol") == "visible"
    group = page.locator('[data-group="facility"]')
    expect(group).to_be_visible()
    expect(group.get_by_role("heading", name=re.compile("公共施設"))).to_be_visible()
    # The report layer's legend names each category beside its own symbol.
    categories = page.get_by_role("list", name="通報の種類")
    expect(categories.get_by_text("道路の損傷")).to_be_visible()
    assert categories.locator("svg").count() >= 6
    counted = page.locator("#list-status").text_content()
    browse.shot(page, "layers-on")

    # Off: gone from the map and from the list, and the URL says so.
    facilities.uncheck()
    _settle(page)
    assert _visibility(page, "facility-symbol") == "none"
    expect(group).to_have_count(0)
    expect(page.locator("#list-status")).not_to_have_text(counted or "")
    assert "facility" not in _query(page)["layers"][0].split(",")
    browse.shot(page, "facility-off")

    facilities.check()
    _settle(page)
    assert _visibility(page, "facility-symbol") == "visible"
    expect(group).to_be_visible()
    expect(page.locator("#list-status")).to_have_text(counted or "")

    # By keyboard: filter the list by the facility's name, tab to it, open it.
    search = page.get_by_label("名前・種類で絞り込み")
    search.fill(name)
    expect(page.locator("#list-status")).to_contain_text(name)
    item = page.locator(f'.feature-item[data-layer="facility"][data-id="{fid}"]')
    expect(item).to_be_visible()
    item.focus()
    page.keyboard.press("Enter")
    details = page.get_by_role("region", name=name)
    expect(details).to_be_visible()
    expect(page.locator("#details-title")).to_be_focused()
    records = details.locator(".records li")
    expect(records.first).to_be_visible()
    expect(records.filter(has_text="点検").first).to_contain_text(
        f"{inspected.year}/{inspected.month:02d}/{inspected.day:02d}"
    )
    expect(details.locator(".properties")).to_contain_text("名称")
    assert _query(page)["feature"] == [f"facility/{fid}"]
    page.evaluate(SETTLED)
    # The map went there and marks it.
    assert page.evaluate("() => window.machimap.map.getZoom()") >= 15.9
    marked = page.evaluate("() => window.machimap.map.getSource('mm-selection').getData()")
    marked_lon, marked_lat = marked["geometry"]["coordinates"]
    assert abs(marked_lon - lon) < 1e-6 and abs(marked_lat - lat) < 1e-6
    browse.shot(page, "facility-details")
    assert_accessible(page)

    # Escape closes the details and gives the keyboard back to the list item.
    page.keyboard.press("Escape")
    expect(details).to_be_hidden()
    expect(item).to_be_focused()
    assert "feature" not in _query(page)

    # By mouse: a click on the facility's symbol on the map opens the same details (or, where
    # features lie on top of each other, a choice that includes it).
    search.fill("")
    page.evaluate(
        "([lon, lat]) => window.machimap.map.jumpTo({center: [lon, lat], zoom: 18})", [lon, lat]
    )
    _settle(page)
    point = page.evaluate(
        "([lon, lat]) => { const p = window.machimap.map.project([lon, lat]);"
        " const box = window.machimap.map.getCanvas().getBoundingClientRect();"
        " return [box.left + p.x, box.top + p.y]; }",
        [lon, lat],
    )
    page.mouse.click(point[0], point[1])
    title = page.locator("#details-title")
    expect(title).to_be_visible()
    expect(title).not_to_have_text(re.compile("読み込み中"))
    if title.text_content() != name:
        page.locator(f'#details .feature-item[data-layer="facility"][data-id="{fid}"]').click()
    expect(title).to_have_text(name)
    expect(page.locator("#details .records li").first).to_be_visible()
    browse.shot(page, "facility-clicked")


def test_english_panel_list_and_details(browse: Browse, live_server: LiveServer) -> None:
    fid, _, _, _, _ = _inspected_facility(live_server)
    page = _open(browse, f"/?feature=facility/{fid}")
    expect(page.locator("#details .records li").first).to_be_visible()
    page.get_by_label(re.compile("言語")).select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="What to show", exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile("Public facilities"))).to_be_checked()
    expect(page.locator("#list-status")).to_contain_text("places")
    expect(page.get_by_role("heading", name=re.compile("On the map now"))).to_be_visible()
    expect(page.get_by_role("list", name="Report categories")).to_contain_text("Road damage")
    expect(page.get_by_label("Aerial photo")).to_be_visible()
    # Details and their records follow the language without being opened again.
    expect(page.locator("#details")).to_contain_text("Records (inspections, patrols, reports)")
    expect(page.locator("#details .records")).to_contain_text("Building inspection")
    # MapLibre's own controls too.
    expect(page.get_by_role("button", name="Zoom in")).to_be_visible()
    assert _query(page)["lang"] == ["en"]
    browse.shot(page, "english")
    assert_accessible(page)

    page.reload()
    _settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="What to show", exact=True)).to_be_visible()
    expect(page.locator("#list-status")).to_contain_text("places")
    expect(page.get_by_label(re.compile("Language"))).to_have_value("en")
    browse.shot(page, "english-reloaded")


def test_a_shared_link_restores_view_layers_background_and_feature(
    browse: Browse, live_server: LiveServer
) -> None:
    fid, name, lon, lat, _ = _inspected_facility(live_server)
    page = _open(
        browse,
        f"/?map=15.50/{lat:.5f}/{lon:.5f}&layers=facility,report&basemap=std"
        f"&feature=facility/{fid}",
    )
    view = page.evaluate(
        "() => { const m = window.machimap.map, c = m.getCenter();"
        " return [m.getZoom(), c.lng, c.lat]; }"
    )
    assert abs(view[0] - 15.5) < 0.01
    assert abs(view[1] - lon) < 1e-4 and abs(view[2] - lat) < 1e-4
    for layer, shown in (("facility-symbol", "visible"), ("report-symbol", "visible")):
        assert _visibility(page, layer) == shown
    for layer in ("district-line", "hazard-symbol", "hazard-line", "school_district-fill"):
        assert _visibility(page, layer) == "none"
    expect(page.get_by_role("checkbox", name=re.compile("^地区"))).not_to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("公共施設"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("^危険箇所"))).not_to_be_checked()
    expect(page.get_by_label("標準地図")).to_be_checked()
    tiles = page.evaluate("() => window.machimap.map.getSource('basemap').tiles[0]")
    assert "/xyz/std/" in tiles
    expect(page.locator("#details-title")).to_have_text(name)
    # Only the layers the link named are listed.
    groups = page.locator(".list-group").evaluate_all("(els) => els.map((e) => e.dataset.group)")
    assert set(groups) <= {"facility", "report"} and "facility" in groups
    browse.shot(page, "shared-link")

    # Moving the map and switching the background rewrite the link in place.
    entries = page.evaluate("() => history.length")
    page.evaluate("() => window.machimap.map.jumpTo({zoom: 13})")
    page.get_by_label("写真").check()
    page.evaluate(SETTLED)
    query = _query(page)
    assert query["map"][0].startswith("13.00/")
    assert query["basemap"] == ["photo"] and query["layers"] == ["facility,report"]
    tiles = page.evaluate("() => window.machimap.map.getSource('basemap').tiles[0]")
    assert "/xyz/seamlessphoto/" in tiles
    assert page.evaluate("() => history.length") == entries  # replaced, not pushed
    assert browse.watched(page).basemap_requests > 0


def test_without_the_basemap_the_districts_still_show(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _open(browse, "/", basemap="fail")
    notice = page.locator("#basemap-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("背景の地図")
    assert _visibility(page, "basemap") == "none"
    assert _visibility(page, "district-line") == "visible"
    drawn = page.evaluate(
        "() => window.machimap.map.queryRenderedFeatures({layers: ['district-line']}).length"
    )
    assert drawn > 0
    # Still usable: the list is there and a feature opens.
    page.locator(".feature-item").first.click()
    expect(page.locator("#details .details-section").first).to_be_visible()
    # Choosing it moves the map; the list is dimmed (aria-busy) until it has caught up.
    _settle(page)
    browse.shot(page, "no-basemap")
    assert_accessible(page)


def _check_small_screen(browse: Browse, page: Any, label: str) -> None:
    assert _fits(page)
    panel = page.locator("#panel")
    toggle = page.get_by_role("button", name=re.compile("表示するもの・一覧"))
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The map fills the screen below the header.
    canvas = page.locator(".maplibregl-canvas").bounding_box()
    viewport = page.viewport_size
    assert canvas is not None and viewport is not None
    assert canvas["width"] >= viewport["width"] - 1
    assert canvas["y"] + canvas["height"] >= viewport["height"] - 1
    browse.shot(page, f"{label}-map")
    assert_accessible(page)

    toggle.click()
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="地図を表示")).to_be_focused()
    expect(page.get_by_role("checkbox", name=re.compile("市民通報"))).to_be_visible()
    assert _fits(page)
    browse.shot(page, f"{label}-panel")
    assert_accessible(page)
    # Everything in the panel can be scrolled to, down to its last link.
    last = page.get_by_role("link", name=re.compile("オープンデータ"))
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    item = page.locator(".feature-item").first
    item.scroll_into_view_if_needed()
    browse.shot(page, f"{label}-list")
    item.click()
    expect(panel).to_be_hidden()
    details = page.locator("#details")
    expect(details).to_be_visible()
    expect(page.locator("#details-title")).to_be_focused()
    page.evaluate(SETTLED)
    assert _fits(page)
    browse.shot(page, f"{label}-details")
    assert_accessible(page)
    page.get_by_role("button", name="閉じる").click()
    expect(details).to_be_hidden()
    expect(toggle).to_be_focused()


def test_phone_and_200_percent_zoom(browse: Browse, live_server: LiveServer) -> None:
    _check_small_screen(browse, _open(browse, "/", viewport=PHONE), "phone")
    _check_small_screen(browse, _open(browse, "/", viewport=ZOOMED), "zoomed")


def test_locate_me_refused_and_allowed(browse: Browse, live_server: LiveServer) -> None:
    page = _open(browse, "/", viewport=PHONE)
    page.get_by_role("button", name="現在地を表示").click()
    expect(page.locator("#map-status")).to_contain_text("位置情報の利用が許可されていません")
    browse.shot(page, "locate-refused")

    lat, lon = 34.8669, 138.3187
    allowed = _open(
        browse,
        "/",
        viewport=PHONE,
        permissions=["geolocation"],
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 30},
    )
    allowed.get_by_role("button", name="現在地を表示").click()
    # Found, then said in words (where the place is) as soon as the server describes it.
    expect(allowed.locator("#map-status")).to_contain_text(
        re.compile("現在地を表示しました|現在地：")
    )
    # The map eases to the place; on a busy machine "idle" can come before the easing ends.
    allowed.wait_for_function(
        """([lon, lat]) => {
            const c = window.machimap.map.getCenter();
            return Math.abs(c.lng - lon) < 1e-3 && Math.abs(c.lat - lat) < 1e-3;
        }""",
        arg=[lon, lat],
        timeout=20_000,
    )
    allowed.evaluate(SETTLED)
    assert allowed.evaluate("() => window.machimap.map.getZoom()") >= 15.9
    browse.shot(allowed, "locate-allowed")


def test_a_phone_reads_the_list_only_when_it_is_shown(
    browse: Browse, live_server: LiveServer
) -> None:
    """The list is the panel's: with the panel closed on a phone, panning the map asks for
    no list pages; opening the panel reads the list for the view then."""
    page = browse.open("", viewport=PHONE)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/features?" in r.url else None)
    page.goto("/")
    _settle(page)
    for dx in (200, -150, 120):
        page.evaluate(
            "(dx) => new Promise((resolve) => {"
            " const m = window.machimap.map; m.once('idle', () => resolve(true));"
            " m.panBy([dx, 0], {animate: false}); })",
            dx,
        )
    page.wait_for_timeout(500)
    assert asked == [], asked
    page.locator("#panel-toggle").click()
    expect(page.locator("#feature-list li").first).to_be_visible(timeout=15_000)
    assert asked, "opening the panel reads the list"
    browse.shot(page, "list-opened")
