"""The resident pages in each of the city's languages: the map and every step of the report
flow read with no catalogue key showing and no missing message, the page says its language,
axe finds nothing serious; やさしい日本語 has furigana; the menu remembers the choice; a
language the city does not offer is not offered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible

# Each language and what <html lang> must say (やさしい日本語 is read as Japanese).
LANGUAGES = {
    "ja": "ja",
    "ja-easy": "ja",
    "en": "en",
    "pt": "pt-BR",
    "tl": "tl",
    "zh": "zh-Hans",
    "vi": "vi",
}
NEXT = ".step-nav .next"

# A text or attribute that is nothing but a catalogue key ("map.title", "ml.Map.Title").
UNTRANSLATED = """() => {
    const key = /^[a-z][a-z_-]*(\\.[A-Za-z_-]+)+$/;
    const found = [];
    const walk = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const text = walk.currentNode.textContent.trim();
        if (key.test(text)) found.push(text);
    }
    for (const el of document.querySelectorAll("[aria-label], [placeholder], [title]"))
        for (const name of ["aria-label", "placeholder", "title"]) {
            const value = (el.getAttribute(name) || "").trim();
            if (key.test(value)) found.push(`${name}=${value}`);
        }
    if (key.test(document.title)) found.push(`title=${document.title}`);
    return found;
}"""


def _open(browse: Browse, path: str, **options: Any) -> tuple[Any, list[str]]:
    """A page whose "missing message" warnings are kept."""
    page = browse.open("", **options)
    missing: list[str] = []
    page.on("console", lambda m: missing.append(m.text) if "missing message" in m.text else None)
    page.goto(path)
    return page, missing


def _reads_in(page: Any, code: str, missing: list[str]) -> None:
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGES[code])
    expect(page.locator("#lang-menu")).to_have_value(code)
    assert page.evaluate(UNTRANSLATED) == []
    assert missing == []
    assert_accessible(page)


def _draft_notice(page: Any, code: str) -> None:
    notice = page.locator("#lang-notice")
    if code in ("ja", "en"):
        expect(notice).to_have_count(0)
    else:
        expect(notice).to_be_visible()
        # In the language shown and in Japanese.
        expect(notice.locator("[lang='ja']")).to_have_count(1)
        if code != "ja-easy":
            expect(notice).to_contain_text("下書き")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_map_reads_in_each_language(browse: Browse, code: str) -> None:
    page, missing = _open(browse, f"/?lang={code}")
    expect(page.locator("#layer-list li").first).to_be_visible()
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    expect(page.locator("#list-status")).not_to_be_empty(timeout=15_000)
    _reads_in(page, code, missing)
    _draft_notice(page, code)
    if code == "ja-easy":
        # Furigana where kanji remain; attributes and the title keep the kanji alone.
        expect(page.locator("#layers-heading ruby rt").first).to_have_text("ちず")
        assert "{" not in page.title() and "焼津市" in page.title()
        expect(page.locator("#panel")).to_have_attribute("aria-label", re.compile("^地図に"))
    if code in ("pt", "zh", "ja-easy"):
        browse.shot(page, f"map-{code}")
    # A disaster's map, its nearest sites and one site's card read in the language too.
    page.locator("#disaster-choice").select_option("flood")
    page.locator("#nearest-shelters").click()
    expect(page.locator("#nearest-list .feature-item")).to_have_count(5)
    _reads_in(page, code, missing)
    page.locator("#nearest-list .feature-item").first.click()
    expect(page.locator("#details .properties")).to_be_visible()
    _reads_in(page, code, missing)
    browse.shot(page, f"map-flood-{code}")
    page.set_viewport_size(PHONE)
    browse.shot(page, f"map-phone-{code}")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_tracking_page_reads_in_each_language(
    browse: Browse, live_server: LiveServer, code: str
) -> None:
    public_id = live_server.sql(
        "SELECT public_id FROM report WHERE is_public AND category_id NOT IN"
        " (SELECT id FROM report_category WHERE sensitive) ORDER BY id LIMIT 1"
    )
    page, missing = _open(browse, f"/reports/{public_id}?lang={code}")
    expect(page.locator(".tracking-facts")).to_be_visible()
    _reads_in(page, code, missing)
    _draft_notice(page, code)
    if code in ("pt", "zh", "ja-easy"):
        browse.shot(page, f"tracking-{code}")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_report_step_reads_in_each_language(browse: Browse, code: str) -> None:
    page, missing = _open(browse, f"/report?lang={code}", viewport=PHONE)
    start = page.locator("#main button.primary.big")
    expect(start).to_be_enabled()
    _reads_in(page, code, missing)
    _draft_notice(page, code)
    if code in ("pt", "zh", "ja-easy"):
        browse.shot(page, f"report-start-{code}")
    if code == "ja-easy":
        expect(page.locator("#page-heading ruby rt").first).to_be_attached()

    start.click()
    expect(page.locator("h1")).to_be_focused()
    choice = page.locator("input[name=category]").first
    expect(choice).to_be_attached()
    _reads_in(page, code, missing)
    if code in ("pt", "zh", "ja-easy"):
        browse.shot(page, f"report-category-{code}")
    # Category names come from the data: in Japanese, marked so, except on the English page.
    name = page.locator(".choice-name").first
    if code == "en":
        expect(name.locator("[lang='ja']")).to_have_count(0)
    else:
        expect(name.locator("[lang='ja']")).to_have_count(1)
    choice.check()

    for screen in ("place", "details", "nearby", "contact", "confirm"):
        page.locator(NEXT).click()
        expect(page.locator("h1")).to_be_focused()
        if screen == "place":
            expect(page.locator(".place-map[data-ready='true']")).to_be_visible()
            page.locator("#pin-centre").click()
            expect(page.locator("#chosen-place")).to_have_class(re.compile("set"))
        elif screen == "details":
            page.locator("textarea[name=description]").fill("テスト / test")
        elif screen == "nearby":
            expect(page.locator("#nearby-status")).not_to_have_text(re.compile("…$"))
        _reads_in(page, code, missing)
    # The confirmation names the category in Japanese, as data, on other languages' pages.
    if code != "en":
        expect(page.locator(".summary [lang='ja']").first).to_be_attached()


def test_search_results_are_names_in_japanese_with_readings(browse: Browse) -> None:
    page, missing = _open(browse, "/report?lang=ja-easy", viewport=PHONE)
    page.locator("#main button.primary.big").click()
    page.locator("input[name=category]").first.check()
    page.locator(NEXT).click()
    page.locator(".search input, input[type=search]").first.fill("焼津市役所")
    result = page.locator(".result-name").first
    expect(result).to_be_visible()
    expect(result.locator("[lang='ja']")).to_have_count(1)
    # The data's name_kana as furigana, in hiragana.
    expect(result.locator("ruby rt")).to_have_text(re.compile("^[\u3041-\u309f\u30fc]+$"))
    result.click()
    expect(page.locator("#chosen-place [lang='ja'] ruby")).to_be_attached()
    assert missing == []
    browse.shot(page, "search-ja-easy")


def test_the_menu_changes_the_language_and_remembers_it(browse: Browse) -> None:
    page, missing = _open(browse, "/")
    menu = page.get_by_label(re.compile("言語"))
    options = menu.locator("option")
    expect(options).to_have_count(7)
    # Each language in its own words and marked with its own language.
    expect(options.filter(has_text="Português")).to_have_attribute("lang", "pt-BR")
    expect(options.filter(has_text="简体中文")).to_have_attribute("lang", "zh-Hans")
    expect(options.filter(has_text="やさしい にほんご")).to_have_attribute("lang", "ja")
    expect(options.filter(has_text="Tiếng Việt")).to_have_attribute("lang", "vi")
    menu.focus()
    menu.select_option("vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#layers-heading")).to_have_text("Nội dung hiển thị")
    assert "lang=vi" in page.url

    # Remembered on this device: the report page, opened without ?lang=, is Vietnamese too.
    page.goto("/report")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#main h1")).to_contain_text("Báo cho thành phố")
    page.get_by_label(re.compile("Ngôn ngữ")).select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#lang-notice")).to_have_count(0)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert missing == []


def test_a_language_the_city_does_not_offer(browser: Any, start_server: Any) -> None:
    server = start_server({"MACHIMAP_LANGUAGES": "ja,en,pt"})
    session = Browse(browser, server, "test_a_language_the_city_does_not_offer")
    try:
        page = session.open("/?lang=zh")
        # Not offered, so Japanese, and the menu lists the city's three.
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        menu = page.locator("#lang-menu")
        expect(menu.locator("option")).to_have_count(3)
        assert menu.locator("option").all_inner_texts() == ["日本語", "English", "Português"]
        page.goto("/report?lang=pt")
        expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
        # Staff pages stay Japanese and English whatever the city offers.
        page.goto("/staff?lang=pt")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.locator("#lang-menu")).to_have_count(0)
        session.shot(page, "staff")
    finally:
        problems = session.finish()
    assert not problems, "\n".join(problems)
