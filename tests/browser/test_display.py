"""文字の大きさ・色: the text-size and high-contrast setting of the resident pages (chosen in
the header, remembered on the device, carried by ?text=&contrast=), forced colours
(Windows high contrast) on the report flow and the map, and the printed map page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PHONE, Browse, assert_accessible

MAP_LOADED = "() => document.body.dataset.mapLoaded === 'true'"


def _map(browse: Browse, path: str = "/", **options: Any) -> Any:
    page = browse.open(path, **options)
    page.wait_for_function(MAP_LOADED, timeout=30_000)
    expect(page.locator(".maplibregl-ctrl-scale")).to_be_visible()
    return page


def _px(page: Any, selector: str, prop: str = "fontSize") -> float:
    value = page.eval_on_selector(selector, f"(el) => getComputedStyle(el).{prop}")
    return float(str(value).removesuffix("px"))


def _choose(page: Any, option: str) -> None:
    """Opens the header's display setting, picks an option and closes it again."""
    toggle = page.get_by_role("button", name="文字の大きさ・色")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_role("radio", name=option).check()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()


# The WCAG contrast ratio of an element's text against the first opaque background behind it.
CONTRAST = """(el) => {
    const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
        const ch = (v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    let back = null;
    for (let node = el; node && !back; node = node.parentElement) {
        const bg = rgb(getComputedStyle(node).backgroundColor);
        if (bg.length === 3 || bg[3] === 1) back = bg.slice(0, 3);
    }
    back = back || [255, 255, 255];
    const [a, b] = [lum(rgb(getComputedStyle(el).color).slice(0, 3)), lum(back)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _contrasts(page: Any, selector: str) -> list[float]:
    return list(
        page.eval_on_selector_all(
            selector,
            f"(els) => els.filter((el) => el.checkVisibility()).map({CONTRAST})",
        )
    )


def _enhanced_contrast_violations(page: Any) -> list[str]:
    """axe's WCAG AAA contrast rule (7:1, 4.5:1 for large text), off in assert_accessible."""
    assert_accessible(page)  # loads axe into the page
    nodes: list[str] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: ['color-contrast-enhanced']});
            return r.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' ')));
        }"""
    )
    return nodes


def test_large_text_on_a_phone_grows_the_page_and_the_map_and_is_remembered(
    browse: Browse,
) -> None:
    page = _map(browse, viewport=PHONE, has_touch=True, is_mobile=True)
    body = _px(page, "body")
    scale = _px(page, ".maplibregl-ctrl-scale")
    zoom_button = _px(page, ".maplibregl-ctrl-zoom-in", "height")
    assert body == 16
    assert scale >= 12, "the scale text is readable at the standard size"

    _choose(page, "大きい（125%）")
    assert _px(page, "body") == 20
    assert _px(page, ".maplibregl-ctrl-scale") == pytest.approx(scale * 1.25, abs=0.5)
    assert _px(page, ".maplibregl-ctrl-zoom-in", "height") > zoom_button
    assert _px(page, ".maplibregl-ctrl-attrib") > 12
    assert page.evaluate("() => document.documentElement.dataset.text") == "large"
    browse.shot(page, "phone-large")

    # The choice stays on this device: a reload (and the next page) keeps it.
    page.reload()
    page.wait_for_function(MAP_LOADED, timeout=30_000)
    assert _px(page, "body") == 20
    page.get_by_role("button", name="文字の大きさ・色").click()
    expect(page.get_by_role("radio", name="大きい（125%）")).to_be_checked()
    assert_accessible(page)
    browse.shot(page, "phone-large-setting")
    page.keyboard.press("Escape")
    page.goto("/report")
    expect(page.get_by_role("button", name="通報を始める")).to_be_visible()
    assert _px(page, "body") == 20
    browse.shot(page, "phone-large-report")


def test_a_link_carries_extra_large_text_and_the_language_switch_relabels_the_setting(
    browse: Browse,
) -> None:
    page = _map(browse, "/?text=xl")
    assert _px(page, "body") == 24
    assert _px(page, ".maplibregl-ctrl-scale") >= 19
    page.get_by_role("button", name="文字の大きさ・色").click()
    expect(page.get_by_role("radio", name="とても大きい（150%）")).to_be_checked()
    # Back to standard from the control: the link's parameter follows, so a reload agrees.
    page.get_by_role("radio", name="標準").first.check()
    assert _px(page, "body") == 16
    assert "text=standard" in page.url
    page.keyboard.press("Escape")
    page.locator("[data-lang-menu]").select_option("en")
    expect(page.get_by_role("button", name="Text size and colours")).to_be_visible()

    report = browse.open("/report?text=xl&contrast=high")
    expect(report.locator("main h1")).to_be_visible()
    assert _px(report, "body") == 24
    assert report.evaluate("() => document.documentElement.dataset.contrast") == "high"
    staff = browse.open("/staff?text=large")
    assert _px(staff, "body") == 20


def test_high_contrast_reaches_seven_to_one_on_the_map_and_the_report_flow(
    browse: Browse,
) -> None:
    standard = _map(browse)
    assert_accessible(standard)
    standard_header = _contrasts(standard, ".site-header a")

    page = _map(browse, "/?contrast=high")
    assert page.evaluate("() => document.documentElement.dataset.contrast") == "high"
    expect(page.locator(".feature-item").first).to_be_visible()
    for selector in (
        "body",
        ".site-header a",
        ".site-header button",
        ".panel button, .panel label, .panel .hint",
        ".panel-intro",
        ".feature-item",
        ".maplibregl-ctrl-scale",
        ".maplibregl-ctrl-attrib a",
    ):
        ratios = _contrasts(page, selector)
        assert ratios, f"nothing visible for {selector}"
        assert min(ratios) >= 7, f"{selector}: {min(ratios):.2f}:1"
    assert min(_contrasts(page, ".site-header a")) > min(standard_header)
    assert_accessible(page)
    assert not _enhanced_contrast_violations(page)
    # The focus ring is a thick outline, not a colour change alone.
    page.get_by_role("link", name="通報する").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert _px(page, ".site-nav .report-cta", "outlineWidth") >= 4
    browse.shot(page, "desktop-high-contrast")

    report = browse.open("/report?contrast=high")
    report.get_by_role("button", name="通報を始める").click()
    expect(report.locator("h1")).to_contain_text("何についての通報ですか")
    report.get_by_role("radio", name=re.compile("道路の損傷")).check()
    for selector in ("main h1", "main label", "main button", "main legend"):
        ratios = _contrasts(report, selector)
        assert ratios and min(ratios) >= 7, f"{selector}: {ratios}"
    primary = _contrasts(report, "button.primary")
    assert primary and min(primary) >= 7
    assert_accessible(report)
    assert not _enhanced_contrast_violations(report)
    browse.shot(report, "report-high-contrast")


def _step_styles(page: Any) -> list[dict[str, str]]:
    styles: list[dict[str, str]] = page.eval_on_selector_all(
        ".progress li",
        """(els) => els.map((el) => {
            const s = getComputedStyle(el);
            return {cls: el.className, border: s.borderTopStyle, outline: s.outlineStyle,
                    height: s.height, decoration: s.textDecorationLine, weight: s.fontWeight};
        })""",
    )
    return styles


def test_forced_colours_keep_steps_buttons_and_symbols_apart(browse: Browse) -> None:
    page = browse.open("/report", viewport=PHONE)
    page.emulate_media(forced_colors="active")
    assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
    page.get_by_role("button", name="通報を始める").click()
    page.get_by_role("radio", name=re.compile("道路の損傷")).check()
    page.locator(".step-nav .next").click()
    expect(page.locator(".step-of")).to_have_text("ステップ 2/5")

    steps = _step_styles(page)
    current = [s for s in steps if s["cls"] == "current"]
    done = [s for s in steps if s["cls"] == "done"]
    todo = [s for s in steps if s["cls"] == ""]
    assert len(current) == 1 and done and todo, steps
    non_colour = ("border", "outline", "height", "decoration", "weight")

    def differ(a: dict[str, str], b: dict[str, str]) -> bool:
        return any(a[k] != b[k] for k in non_colour)

    assert differ(current[0], done[0]) and differ(current[0], todo[0])
    assert differ(done[0], todo[0]), "done and to-do steps look alike without colour"

    buttons = page.eval_on_selector_all(
        ".step-nav button, main button",
        """(els) => els.filter((el) => el.checkVisibility()).map((el) => {
            const s = getComputedStyle(el);
            return {primary: el.classList.contains('primary'), style: s.borderTopStyle,
                    width: parseFloat(s.borderTopWidth)};
        })""",
    )
    assert buttons and all(b["style"] != "none" and b["width"] >= 2 for b in buttons), buttons
    kinds = {(b["primary"], b["style"]) for b in buttons}
    assert (True, "double") in kinds and (False, "solid") in kinds, kinds

    page.locator(".step-nav .back").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert focused[0] != "none" and focused[1] >= 3, focused
    browse.shot(page, "forced-colours-buttons")
    page.evaluate("() => window.scrollTo(0, 0)")
    browse.shot(page, "forced-colours-step-2")

    map_page = browse.open("/")
    map_page.emulate_media(forced_colors="active")
    map_page.wait_for_function(MAP_LOADED, timeout=30_000)
    expect(map_page.locator(".layer-row svg.symbol").first).to_be_visible()
    adjust = map_page.eval_on_selector_all(
        ".layer-row svg.symbol, .legend svg.symbol",
        "(els) => els.map((el) => getComputedStyle(el).forcedColorAdjust)",
    )
    assert adjust and set(adjust) == {"none"}, adjust
    assert_accessible(map_page)
    browse.shot(map_page, "forced-colours-map")


def test_the_printed_map_has_title_date_legend_and_no_navigation(browse: Browse) -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.fail("poppler-utils is missing: run `make test-system`")
    page = _map(browse)
    pdf = ARTIFACTS / f"{browse.test_name}.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    today = datetime.now(ZoneInfo("Asia/Tokyo"))
    assert "焼津市 まちの地図" in text
    assert f"印刷日：{today.year}年{today.month}月{today.day}日" in text
    assert "施設" in text, "the legend names the layers shown"
    assert re.search(r"\d+\s*k?m\b", text), "the scale bar is printed"
    for absent in ("職員", "本文へ移動", "文字の大きさ", "表示中の地物", "背景地図"):
        assert absent not in text, f"{absent!r} is printed"
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\b", pages), pages
    png = Path(str(pdf).removesuffix(".pdf"))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(png)], check=True)
