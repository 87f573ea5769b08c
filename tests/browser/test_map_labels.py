"""The public map writing names in Japanese, in Debian's Chromium against a live server
holding the demo city: 自治会 from zoom 12 and each once, 自主防災会 closer, 避難所 and then
every facility, a layer's names going with it, digits from machimap's own glyphs with no
failed glyph request, and a phone without 地理院タイル. The glyph route and the style are
tests/test_labels.py's."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import PHONE, Browse, LiveServer

CITY_HALL = (138.3187, 34.8669)  # 焼津市役所
SETTLED = """() => new Promise((resolve) => {
    const m = window.machimap.map;
    if (!m.isMoving() && m.loaded() && m.areTilesLoaded()) resolve(true);
    else m.once('idle', () => resolve(true));
})"""
JUMP = """([lon, lat, zoom]) => new Promise((resolve) => {
    const m = window.machimap.map;
    m.once('idle', () => resolve(true));
    m.jumpTo({center: [lon, lat], zoom});
})"""
# The names MapLibre placed on screen (a label that lost to a neighbour is not listed).
WRITTEN = """(ids) => window.machimap.map.queryRenderedFeatures({layers: ids})
    .map((f) => [f.layer.id, f.properties.name])"""


def _map_page(browse: Browse, path: str, answers: list[tuple[str, int]], **options: Any) -> Any:
    page = browse.open("", **options)
    page.on(
        "response",
        lambda r: answers.append((r.url, r.status)) if "/tiles/glyphs/" in r.url else None,
    )
    page.goto(path)
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    page.evaluate(SETTLED)
    return page


def _written(page: Any, *ids: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    for layer_id, name in page.evaluate(WRITTEN, list(ids)):
        found[layer_id].append(name)
    return found


def test_the_public_map_writes_district_and_facility_names_in_japanese(
    browse: Browse, live_server: LiveServer
) -> None:
    answers: list[tuple[str, int]] = []
    page = _map_page(browse, "/", answers, viewport={"width": 1280, "height": 800})
    everything = ["district-label-area", "district-label-neighbourhood", "facility-label"]
    # The whole city: its 自治会 would be smaller than their names, so none is written yet.
    assert page.evaluate("() => window.machimap.map.getZoom()") < 12
    assert not any(_written(page, *everything).values())
    browse.shot(page, "desktop-city")
    # A step closer: the 自治会 by name, nothing finer.
    page.evaluate(JUMP, [*CITY_HALL, 12.5])
    city = _written(page, *everything)
    assert len(city["district-label-area"]) >= 5, city
    assert all(name.endswith("自治会") for name in city["district-label-area"])
    # Each once, though many of them cross the edges of the tiles drawn at this zoom.
    assert len(set(city["district-label-area"])) == len(city["district-label-area"]), city
    assert not city["district-label-neighbourhood"] and not city["facility-label"]
    browse.shot(page, "desktop-z12")

    # Closer: the 自主防災会 and the places to go in a disaster, then every facility.
    page.evaluate(JUMP, [*CITY_HALL, 15])
    near = _written(page, "district-label-area", "district-label-neighbourhood")
    assert near["district-label-neighbourhood"] and not near["district-label-area"]
    assert len(set(near["district-label-neighbourhood"])) == len(
        near["district-label-neighbourhood"]
    )
    safety = _written(page, "facility-label-safety", "facility-label")
    assert safety["facility-label-safety"] and not safety["facility-label"]
    browse.shot(page, "desktop-z15")
    page.evaluate(JUMP, [*CITY_HALL, 17])
    close = _written(page, "facility-label", "facility-label-safety")
    assert len(close["facility-label"] + close["facility-label-safety"]) >= 3, close
    browse.shot(page, "desktop-z17")

    # Switching a layer off takes its names with it.
    page.get_by_role("checkbox", name="公共施設").uncheck()
    page.evaluate(SETTLED)
    # Names are placed when the map next draws: wait for that frame.
    page.evaluate(
        "() => new Promise((resolve) => { const m = window.machimap.map;"
        " m.once('idle', resolve); m.triggerRepaint(); })"
    )
    assert not any(_written(page, "facility-label", "facility-label-safety").values())

    # The digits in 焼津第6自治会 came from machimap's glyphs, and none was refused.
    assert any("/0-255.pbf" in url and status == 200 for url, status in answers), answers
    assert all(status == 200 for _, status in answers), answers
    assert all(url.startswith(live_server.url) for url, _ in answers)


def test_a_phone_without_the_basemap_still_reads_the_names(
    browse: Browse, live_server: LiveServer
) -> None:
    answers: list[tuple[str, int]] = []
    lon, lat = CITY_HALL
    page = _map_page(browse, f"/?map=15/{lat}/{lon}", answers, viewport=PHONE, basemap="fail")
    written = _written(page, "district-label-neighbourhood", "facility-label-safety")
    assert written["district-label-neighbourhood"], written
    browse.shot(page, "phone-z15")
    page.evaluate(JUMP, [*CITY_HALL, 16.5])
    assert any(_written(page, "facility-label", "facility-label-safety").values())
    browse.shot(page, "phone-z16")
    assert answers and all(status == 200 for _, status in answers), answers
