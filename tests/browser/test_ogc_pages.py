"""The /ogc pages and the API reference in a real browser against the demo city: the small
map draws points, lines and polygons (with 地理院タイル and without them), nothing breaks
the CSP, nothing fails to load, the reference lists the OGC API's operations, and every
page reads on a 390 px phone in Japanese and English. Screenshots are left in
tests/artifacts/browser/ for a person to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    BASEMAP_ORIGIN,
    PHONE,
    Browse,
    LiveServer,
    assert_accessible,
    axe_violations,
)

DESKTOP = {"width": 1280, "height": 860}
# Every CSP violation the page sees, kept where the test can read it.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def _watch(page: Any, server: LiveServer) -> list[str]:
    """Requests that failed or were answered with an error (the basemap's aside)."""
    failed: list[str] = []

    def on_failed(request: Any) -> None:
        if not request.url.startswith(BASEMAP_ORIGIN):
            failed.append(f"{request.url} {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.url.startswith(server.url):
            failed.append(f"{response.url} {response.status}")

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return failed


def _open(browse: Browse, path: str, **options: Any) -> tuple[Any, list[str]]:
    page = browse.open("", **options)
    page.add_init_script(CSP_WATCH)
    failed = _watch(page, browse.server)
    page.goto(path)
    return page, failed


def _clean(page: Any, failed: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__csp") == []
    assert failed == []


def _map_drawn(page: Any) -> int:
    page.wait_for_function(
        "() => ['ready', 'failed', 'no-webgl'].includes(document.getElementById('ogc-map')"
        "?.dataset.state)",
        timeout=30_000,
    )
    assert page.locator("#ogc-map").get_attribute("data-state") == "ready"
    return int(page.locator("#ogc-map").get_attribute("data-rendered-features") or 0)


def _fits(page: Any) -> bool:
    """Nothing wider than the window: the page reflows instead of scrolling sideways."""
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def _ids(server: LiveServer) -> dict[str, tuple[str, int]]:
    """A feature of each geometry kind: (collection, id)."""

    def first(table: str, kinds: str) -> int:
        return int(server.sql(f"SELECT min(id) FROM {table} WHERE GeometryType(geom) IN ({kinds})"))

    return {
        "point": ("facility", first("facility", "'POINT'")),
        "line": (
            "safety_map_feature_lines",
            first("safety_map_feature", "'LINESTRING', 'MULTILINESTRING'"),
        ),
        "area": ("district", first("district", "'POLYGON', 'MULTIPOLYGON'")),
    }


def test_maps_draw_points_lines_and_areas(browse: Browse, live_server: LiveServer) -> None:
    for collection in ("facility", "safety_map_feature_lines", "district"):
        page, failed = _open(browse, f"/ogc/collections/{collection}?f=html")
        assert _map_drawn(page) > 0, collection
        _clean(page, failed)
    for kind, (collection, fid) in _ids(live_server).items():
        page, failed = _open(browse, f"/ogc/collections/{collection}/items/{fid}?f=html")
        assert _map_drawn(page) == 1, kind
        _clean(page, failed)
    page, failed = _open(browse, "/ogc/collections/hazard_points/items?f=html&limit=50")
    drawn = _map_drawn(page)
    assert 0 < drawn <= 50
    _clean(page, failed)
    # A feature on the map opens its page.
    box = page.locator("#ogc-map canvas").bounding_box()
    target = page.evaluate(
        """() => { const m = window.machimap.ogcMap;
            const f = m.queryRenderedFeatures({layers: ['ogc-point', 'ogc-line']})[0];
            const c = f.geometry.type === 'Point' ? f.geometry.coordinates
                : f.geometry.coordinates[0][0].length ? f.geometry.coordinates[0][0]
                : f.geometry.coordinates[0];
            const p = m.project(c); return {x: p.x, y: p.y, id: f.id}; }"""
    )
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_url(re.compile(rf"/items/{target['id']}\?"))
    assert _map_drawn(page) >= 1


def test_the_map_works_without_the_basemap(browse: Browse, live_server: LiveServer) -> None:
    _, (collection, fid) = next(iter(_ids(live_server).items()))
    page, _ = _open(browse, f"/ogc/collections/{collection}/items/{fid}?f=html", basemap="fail")
    assert _map_drawn(page) == 1
    expect_notice = page.locator("#ogc-map-status")
    expect_notice.wait_for(state="visible", timeout=15_000)
    assert "地理院タイル" in expect_notice.inner_text()
    assert page.evaluate("() => window.__csp") == []
    page.locator(".ogc-map-figure").scroll_into_view_if_needed()
    browse.shot(page, "no-basemap")


def _operations(page: Any, expected: int = 1) -> set[str]:
    """The operations the page lists. Swagger UI draws a long definition's operations only
    while they are near the window, so the reader (and this test) scrolls through them."""
    page.locator(".opblock").first.wait_for(timeout=30_000)
    seen: set[str] = set()
    for _ in range(400):
        shown = page.locator(".opblock-summary-path").all_inner_texts()
        seen |= {p.replace("\u200b", "") for p in shown}  # Swagger UI's break opportunities
        if len(seen) >= expected:
            break
        page.evaluate("() => window.scrollBy(0, Math.floor(window.innerHeight / 2))")
        page.wait_for_timeout(100)
    return seen


def test_the_api_reference_lists_the_ogc_operations(browse: Browse) -> None:
    page, failed = _open(browse, "/ogc/docs")
    definition = page.request.get("/ogc/api").json()
    shown = _operations(page, len(definition["paths"]))
    assert set(definition["paths"]) == shown and "/collections/hazard_points/items" in shown
    # An operation opened: its parameters and responses (highlighted JSON examples).
    page.evaluate("() => window.scrollTo(0, 0)")
    wanted = page.locator(".opblock-summary", has_text="/collections/hazard_points/items")
    for _ in range(400):
        if wanted.count():
            break
        page.evaluate("() => window.scrollBy(0, Math.floor(window.innerHeight / 2))")
        page.wait_for_timeout(100)
    wanted.first.click()
    page.locator(".opblock-body .parameters").first.wait_for(timeout=15_000)
    assert page.get_by_text("bbox", exact=True).count() > 0
    _clean(page, failed)
    browse.shot(page, "operation-open")
    page, failed = _open(browse, "/docs?lang=en")
    api = page.request.get("/openapi.json").json()
    assert "/api/reports" in _operations(page, len(api["paths"]))
    _clean(page, failed)
    # The watch sees what the CSP blocks: an inline style is refused, and reported.
    browse.watched(page).allowed_errors.append(re.compile("inline style violates"))
    page.evaluate(
        "() => document.head.append(Object.assign(document.createElement('style'),"
        " {textContent: 'body { color: red }'}))"
    )
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("() => window.__csp")[0].startswith("style-src")


def _item_path(server: LiveServer) -> str:
    collection, fid = _ids(server)["area"]
    return f"/ogc/collections/{collection}/items/{fid}?f=html"


PAGES = {
    "landing": "/ogc?f=html",
    "collections": "/ogc/collections?f=html",
    "collection": "/ogc/collections/hazard_points?f=html",
    "items": "/ogc/collections/hazard_points/items?f=html&limit=20",
    "reference": "/ogc/docs",
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_reads_on_a_desk_and_a_phone(
    browse: Browse, live_server: LiveServer, lang: str
) -> None:
    pages = {**PAGES, "item": _item_path(live_server)}
    for name, path in pages.items():
        url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
        for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page, failed = _open(browse, url, viewport=viewport)
            if name == "reference":
                page.locator(".opblock").first.wait_for(timeout=30_000)
            elif page.locator("#ogc-map").count():
                _map_drawn(page)
            _clean(page, failed)
            assert page.evaluate("() => document.documentElement.lang") == lang
            if device == "phone":
                assert _fits(page), (name, lang)
            elif name == "reference":
                # Swagger UI's own markup: buttons inside its operation headers, and an
                # unnamed server list. Nothing else (its colours are mended in reference.css).
                found = {v["id"] for v in axe_violations(page)}
                assert found <= {"nested-interactive", "select-name"}, found
            else:
                assert_accessible(page)
            browse.shot(page, f"{name}-{lang}-{device}")
            if device == "phone" and name != "reference":  # the whole page, below the fold too
                page.screenshot(
                    path=str(ARTIFACTS / f"ogc-{name}-{lang}-phone-full.png"), full_page=True
                )
            page.context.close()
