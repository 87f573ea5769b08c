"""The public map reads at a glance (issue 15): every kind has its own symbol, in greyscale
and for deuteranopes too; the first view shows what a resident needs first; one place
with several roles is one entry; a disaster's choice shows only the sites designated for
it, and the nearest of them are listed with their distance; skip links reach the map."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from layers.city.facilities import FacilityKind
from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible
from tests.browser.test_public_map import SETTLED, _settle

# Deuteranopia as Machado, Oliveira and Fernandes (2009) simulate it (severity 1.0).
DEUTERANOPIA = (
    "0.367322 0.860646 -0.227968 0 0 0.280085 0.672501 0.047413 0 0 "
    "-0.011820 0.042940 0.968881 0 0 0 0 0 1 0"
)
SIMULATE = """(matrix) => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
    svg.innerHTML = '<filter id="mm-deut"><feColorMatrix type="matrix" values="' + matrix
        + '"/></filter>';
    document.body.append(svg);
}"""


def _open(browse: Browse, path: str = "/", **options: Any) -> Any:
    page = browse.open(path, **options)
    _settle(page)
    return page


def _legend_shapes(page: Any) -> list[tuple[str, str, str]]:
    """(kind's name, frame outline, pictogram) of every symbol in the legend."""
    shapes: list[tuple[str, str, str]] = page.evaluate(
        """() => [...document.querySelectorAll('.legend li')].map((li) => {
            const paths = li.querySelectorAll('svg path');
            return [li.textContent.trim(), paths[0]?.getAttribute('d') || '',
                    paths[1]?.getAttribute('d') || ''];
        })"""
    )
    return shapes


def test_every_kind_has_a_shape_of_its_own_in_greyscale_and_for_deuteranopes(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _open(browse, "/")
    for more in page.locator(".kind-more summary").all():
        more.click()
    shapes = _legend_shapes(page)
    names = [name for name, _, _ in shapes]
    assert {"指定避難所", "AED", "公園", "市役所", "津波避難ビル", "道路の損傷"} <= set(names)
    # Colour aside, frame and pictogram tell every kind apart (the report categories too).
    drawn = [(frame, pictogram) for _, frame, pictogram in shapes]
    assert len(set(drawn)) == len(drawn), [n for n in names if names.count(n) > 1]
    assert all(frame and pictogram for frame, pictogram in drawn)
    panel = page.locator("#layer-list")
    page.evaluate("() => document.documentElement.style.filter = 'grayscale(1)'")
    browse.shot(page, "legend-greyscale")
    page.evaluate(SIMULATE, DEUTERANOPIA)
    page.evaluate("() => document.documentElement.style.filter = 'url(#mm-deut)'")
    browse.shot(page, "legend-deuteranopia")
    expect(panel).to_be_visible()


def test_the_first_view_shows_shelters_aeds_and_hazards_the_rest_one_toggle_away(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _open(browse, "/")
    shown = page.evaluate("() => [...window.machimap.kinds.get('facility')]")
    assert set(shown) == {
        "shelter",
        "evacuation_site",
        "tsunami_evacuation_building",
        "first_aid_station",
        "aed",
    }
    assert "traffic_accident" not in page.evaluate("() => [...window.machimap.kinds.get('hazard')]")
    # The list follows: no park among the facilities.
    parks = page.locator('[data-group="facility"] .item-kind', has_text="公園")
    expect(page.locator('[data-group="facility"] .feature-item').first).to_be_visible()
    assert parks.count() == 0
    # One toggle shows every kind, on the map and in the list, and a link keeps it.
    page.locator("#layer-list").get_by_role("button", name="すべての種類を表示").first.click()
    page.evaluate(SETTLED)
    assert len(page.evaluate("() => [...window.machimap.kinds.get('facility')]")) == len(
        FacilityKind
    )
    assert "kinds=facility:" in page.url
    expect(page.get_by_role("checkbox", name="公園", exact=True)).to_be_checked()
    browse.shot(page, "every-kind")
    assert_accessible(page)


def test_one_place_with_several_roles_is_one_entry(browse: Browse, live_server: LiveServer) -> None:
    ids = live_server.sql(
        "SELECT array_agg(id ORDER BY id) FROM facility WHERE name = '大富地域交流センター'"
    )
    lon, lat = live_server.sql(
        "SELECT ARRAY[ST_X(geom), ST_Y(geom)] FROM facility WHERE id = %s", ids[0]
    )
    every = ",".join(
        f"facility:{k}" for k in ["community_center", "shelter", "aed", "sandbag_station"]
    ).replace(",facility:", ".")
    page = _open(browse, f"/?map=17/{lat}/{lon}&kinds={every}&layers=facility")
    entries = page.locator('[data-group="facility"] .feature-item', has_text="大富地域交流センター")
    expect(entries).to_have_count(1)
    roles = entries.first.locator(".item-kind")
    for role in ("住民センター", "指定避難所", "土のうステーション", "AED"):
        expect(roles).to_contain_text(role)
    entries.first.click()
    details = page.locator("#details")
    expect(page.locator("#details-title")).to_have_text("大富地域交流センター")
    kind_line = details.locator(".details-kind")
    expect(kind_line).to_contain_text("指定避難所（洪水・高潮）")
    expect(kind_line).to_contain_text("土のうステーション")
    # Bookkeeping stays off a resident's card.
    expect(details.locator(".properties")).not_to_contain_text("元データID")
    expect(details.locator(".properties")).not_to_contain_text("施設分類")
    browse.shot(page, "one-place")
    assert_accessible(page)

    # A click on the map: one place, not a choice between its records.
    page.keyboard.press("Escape")
    page.evaluate(SETTLED)
    point = page.evaluate(
        "([lon, lat]) => { const p = window.machimap.map.project([lon, lat]);"
        " const box = window.machimap.map.getCanvas().getBoundingClientRect();"
        " return [box.left + p.x, box.top + p.y]; }",
        [lon, lat],
    )
    page.mouse.click(point[0], point[1])
    expect(page.locator("#details-title")).to_have_text("大富地域交流センター")


def test_the_flood_choice_shows_only_flood_sites_and_the_nearest_with_distance(
    browse: Browse, live_server: LiveServer
) -> None:
    designated = set(
        live_server.sql(
            "SELECT array_agg(id) FROM facility WHERE kind IN ('shelter', 'evacuation_site')"
            " AND 'flood' = ANY(disaster_types)"
        )
    )
    page = _open(browse, "/?map=14/34.839/138.2985")
    page.get_by_label("災害の種類").select_option("flood")
    expect(page.locator("#map-status")).to_contain_text("洪水")
    page.evaluate(SETTLED)
    assert "disaster=flood" in page.url
    listed = page.evaluate(
        "() => [...document.querySelectorAll('[data-group=facility] .feature-item')]"
        ".map((b) => Number(b.dataset.id))"
    )
    assert listed and set(listed) <= designated
    # On the map too: every facility drawn is designated for floods.
    drawn = page.evaluate(
        "() => window.machimap.map.queryRenderedFeatures({layers: ['facility-symbol']})"
        ".map((f) => f.id)"
    )
    assert drawn and set(drawn) <= designated
    assert page.evaluate("() => window.machimap.enabled.has('report')") is False

    page.get_by_role("button", name="近くの避難所を探す").click()
    status = page.locator("#nearest-status")
    expect(status).to_contain_text("洪水のときの避難所")
    items = page.locator("#nearest-list .feature-item")
    expect(items).to_have_count(5)
    expect(items.first).to_contain_text(re.compile(r"約[\d,]+ ?k?m"))
    browse.shot(page, "flood-nearest")
    assert_accessible(page)
    items.first.click()
    expect(page.locator("#details-title")).to_be_visible()

    # Cleared: the everyday map comes back.
    page.get_by_label("災害の種類").select_option("")
    page.evaluate(SETTLED)
    assert page.evaluate("() => window.machimap.enabled.has('report')") is True
    assert "disaster=" not in page.url


def test_the_skip_link_reaches_the_map_in_a_few_tab_presses(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _open(browse, "/")
    page.locator("body").focus()
    presses = 0
    while presses < 4 and page.evaluate("() => document.activeElement?.id") != "skip-map":
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("() => document.activeElement?.id") == "skip-map"
    expect(page.locator("#skip-map")).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement === window.machimap.map.getCanvas()"), (
        f"after {presses} Tab presses"
    )
    # On a phone the list's skip link opens the panel at the list.
    phone = _open(browse, "/", viewport=PHONE)
    phone.locator("#skip-list").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#list-heading")).to_be_focused()
    expect(phone.locator("#panel")).to_have_class(re.compile("is-open"))


def test_the_place_search_moves_the_map(browse: Browse, live_server: LiveServer) -> None:
    page = _open(browse, "/")
    page.get_by_label("町名・住所・施設の名前").fill("大富地域交流センター")
    page.get_by_role("button", name="探す", exact=True).click()
    result = page.locator("#place-results .feature-item").first
    expect(result).to_contain_text("大富地域交流センター")
    result.click()
    expect(page.locator("#map-status")).to_contain_text("大富地域交流センター")
    page.evaluate(SETTLED)
    lon, lat = page.evaluate("() => window.machimap.map.getCenter().toArray()")
    assert abs(lon - 138.2984) < 0.01 and abs(lat - 34.8383) < 0.01
    page.get_by_role("button", name="近くの避難所を探す").click()
    expect(page.locator("#nearest-status")).to_contain_text("探した場所")


def test_the_city_view_shows_counted_clusters_that_open_on_a_click(
    browse: Browse, live_server: LiveServer
) -> None:
    page = _open(browse, "/")
    assert page.evaluate("() => window.machimap.map.getZoom()") < 14
    counts = page.evaluate(
        "() => window.machimap.map.queryRenderedFeatures({layers: ['mm-clusters-circle']})"
        ".map((f) => f.properties.count)"
    )
    assert len(counts) >= 5
    assert (
        page.evaluate(
            "() => window.machimap.map.queryRenderedFeatures({layers: ['facility-symbol']}).length"
        )
        == 0
    )
    browse.shot(page, "clusters")
    # Hiding a layer takes its points out of every count.
    page.get_by_role("checkbox", name=re.compile("市民通報")).uncheck()
    page.evaluate(SETTLED)
    total = page.evaluate(
        "() => JSON.stringify(window.machimap.map"
        ".getLayoutProperty('mm-clusters-count', 'text-field'))"
    )
    assert '"report"' not in total and '"facility.shelter"' in total
    # A click on a cluster zooms in on it.
    zoom = page.evaluate("() => window.machimap.map.getZoom()")
    point = page.evaluate(
        "() => { const f = window.machimap.map.queryRenderedFeatures("
        "{layers: ['mm-clusters-circle']})[0]; const p = window.machimap.map.project("
        "f.geometry.coordinates); const box = window.machimap.map.getCanvas()"
        ".getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }"
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_function(
        f"() => !window.machimap.map.isMoving() && window.machimap.map.getZoom() > {zoom + 1}"
    )
