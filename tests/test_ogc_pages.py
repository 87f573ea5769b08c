"""The /ogc HTML pages as a reader gets them: one language per page (what exists only in
Japanese is marked so on an English page), links that keep the reader's language, the
map's element and data, the built script and stylesheet they load, and the API reference
pages the landing page's service-doc points to. The browser side (the map drawn, no CSP
violation, phones) is tests/browser/test_ogc_pages.py."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from api.serving.ogc import html
from api.serving.ogc.page import json_block
from tests.conftest import new_client, sql_value

HTML = {"Accept": "text/html"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
# Bilingual texts as the documents carry them: "日本語 / English".
BOTH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef][^<>/]* / [A-Za-z]")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class _Text(HTMLParser):
    """The text a reader sees, minus what is marked as another language than the page's
    and minus scripts (the map's data block is data, not text)."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"})

    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.page_lang = page_lang
        self.stack: list[bool] = []  # per open element: is its text hidden from the check
        self.seen: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        other = lang is not None and lang != self.page_lang
        hidden = bool(self.stack and self.stack[-1]) or other or tag in ("script", "style")
        self.stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.seen.append(data.strip())


def _text(page: str, lang: str) -> list[str]:
    parser = _Text(lang)
    parser.feed(page)
    return parser.seen


def _data_block(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="ogc-map-data">(.*?)</script>', page)
    assert found, "no map data block"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _pages(client: TestClient, demo_url: str) -> list[str]:
    hazard = sql_value(demo_url, "SELECT min(id) FROM hazard WHERE GeometryType(geom) = 'POINT'")
    return [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/hazard_points",
        "/ogc/collections/facility",
        "/ogc/collections/hazard_points/items?limit=20",
        "/ogc/collections/report_points/items?limit=20",
        f"/ogc/collections/hazard_points/items/{hazard}",
        "/ogc/collections/facility/queryables",
        "/ogc/collections/facility/schema",
        "/ogc/docs",
        "/docs",
    ]


def test_english_pages_show_english_and_japanese_pages_japanese(demo_url: str) -> None:
    client = new_client()
    for url in _pages(client, demo_url):
        english = client.get(url, params={"lang": "en"}, headers=HTML)
        assert english.status_code == 200, url
        assert '<html lang="en">' in english.text and english.headers["content-language"] == "en"
        # What is only in Japanese (a layer's description, a licence, the data) is marked
        # lang="ja"; everything else on the page is English.
        japanese_text = [t for t in _text(english.text, "en") if JAPANESE.search(t)]
        assert not japanese_text, (url, japanese_text)

        japanese = client.get(url, headers=HTML)
        assert '<html lang="ja">' in japanese.text, url
        shown = _text(japanese.text, "ja")
        assert not [t for t in shown if BOTH.search(t)], (url, [t for t in shown if BOTH.search(t)])
        for phrase in ("the collection", "this document", "Attached records", "Queryables"):
            assert not [t for t in shown if phrase in t], (url, phrase)


def test_bilingual_texts_are_split_per_language(demo_url: str) -> None:
    client = new_client()
    hazard = sql_value(demo_url, "SELECT min(id) FROM hazard WHERE GeometryType(geom) = 'POINT'")
    item = f"/ogc/collections/hazard_points/items/{hazard}"
    english = client.get(item, params={"lang": "en"}, headers=HTML).text
    assert ">the collection</a>" in english and "コレクション" not in english
    assert ">Attached records</a>" in english
    japanese = client.get(item, headers=HTML).text
    assert ">コレクション</a>" in japanese and "the collection" not in japanese

    # The registry's descriptions exist in Japanese only: shown as Japanese, said to be.
    collection = client.get(
        "/ogc/collections/hazard_points", params={"lang": "en"}, headers=HTML
    ).text
    assert re.search(r'<p class="ogc-description" lang="ja">[^<]*危険箇所', collection)
    assert "Each feature's links hold" in unescape(collection) and "各地物" not in collection
    assert '<dd lang="ja">出典：' in collection


def test_links_keep_the_readers_language(demo_url: str) -> None:
    client = new_client()
    english = client.get("/ogc/collections", headers={**HTML, "Accept-Language": "en"}).text
    hrefs = re.findall(r'href="([^"]+)"', english)
    to_ogc = [h for h in hrefs if "/ogc" in h and "/assets/" not in h]
    others = [h for h in to_ogc if "lang=ja" not in h]  # but the switch to Japanese
    assert len(others) > 5 and all("lang=en" in h for h in others), to_ogc
    # The switch to the other language, on the page itself.
    assert re.search(r'<a href="[^"]*/ogc/collections\?f=html&amp;lang=ja"[^>]*lang="ja"', english)
    japanese = client.get("/ogc/collections", headers=HTML).text
    assert "lang=en" in japanese  # only the switch …
    assert all(
        "lang=" not in h for h in re.findall(r'href="([^"]+)"', japanese) if "lang=en" not in h
    )


def test_pages_load_the_built_script_and_stylesheet(demo_url: str) -> None:
    client = new_client()
    page = client.get("/ogc/collections/hazard_points", headers=HTML).text
    scripts = re.findall(r'<script type="module" src="(/assets/[^"]+\.js)"></script>', page)
    styles = re.findall(r'<link rel="stylesheet" href="(/assets/[^"]+\.css)">', page)
    assert len(scripts) == 1 and styles
    assert client.get(scripts[0]).status_code == 200
    css = "".join(client.get(href).text for href in styles)
    assert ".table-scroll" in css and "overflow-wrap" in css and ".site-header" in css
    # No inline script or style: only the module, and the map's data as data.
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'type="module" src="/assets/' in tag or 'type="application/json"' in tag, tag
    assert "style=" not in page and "<style" not in page


def test_maps_get_their_data(demo_url: str) -> None:
    client = new_client()
    collection = client.get("/ogc/collections/hazard_points", headers=HTML).text
    assert 'id="ogc-map"' in collection
    data = _data_block(collection)
    doc = client.get("/ogc/collections/hazard_points").json()
    assert data["extent"] == doc["extent"]["spatial"]["bbox"][0]
    assert data["url"] == "/ogc/collections/hazard_points/items"
    assert data["item"] == "/ogc/collections/hazard_points/items/{id}?f=html"
    assert data["features"] is None

    listed = client.get("/ogc/collections/hazard_points/items?limit=30", headers=HTML).text
    page = client.get("/ogc/collections/hazard_points/items?limit=30").json()
    drawn = _data_block(listed)["features"]["features"]
    assert [(f["id"], f["geometry"]) for f in drawn] == [
        (f["id"], f["geometry"]) for f in page["features"]
    ]
    assert all(f["properties"] == {} for f in drawn)  # geometry only: the table has the rest

    district = sql_value(demo_url, "SELECT min(id) FROM district")
    one = client.get(f"/ogc/collections/district/items/{district}", headers=HTML).text
    feature = client.get(f"/ogc/collections/district/items/{district}").json()
    [shown] = _data_block(one)["features"]["features"]
    assert shown["geometry"] == feature["geometry"]
    assert shown["geometry"]["type"] == "MultiPolygon"

    # Asked for in a plane rectangular CRS, the map fetches the same page in CRS84.
    zone = "http://www.opengis.net/def/crs/EPSG/0/6676"
    planar = client.get(
        "/ogc/collections/hazard_points/items", params={"limit": 5, "crs": zone}, headers=HTML
    )
    data = _data_block(planar.text)
    assert data["features"] is None and "crs=" not in data["url"] and "f=json" in data["url"]
    assert (
        client.get(data["url"]).json()["features"][0]["geometry"] == page["features"][0]["geometry"]
    )

    for url in ("/ogc", "/ogc/collections", "/ogc/conformance"):
        assert 'id="ogc-map"' not in client.get(url, headers=HTML).text, url


def test_the_map_data_cannot_close_its_element() -> None:
    block = json_block({"title": "</script><script>alert(1)</script><!--"})
    assert "<" not in block and ">" not in block
    assert json.loads(block)["title"] == "</script><script>alert(1)</script><!--"


def test_a_feature_without_geometry_has_no_map() -> None:
    page = html.item(
        {"type": "Feature", "id": 1, "geometry": None, "properties": {"title": "x"}, "links": []},
        "Hazards",
        True,
    )
    assert 'id="ogc-map"' not in bytes(page.body).decode()


def test_the_landing_page_links_to_the_api_reference(demo_url: str) -> None:
    client = new_client()
    landing = client.get("/ogc").json()
    [doc] = [k for k in landing["links"] if k["rel"] == "service-doc"]
    assert doc["href"] == "https://testserver/ogc/docs" and doc["type"] == "text/html"
    page = client.get("/ogc", headers=HTML).text
    assert 'href="https://testserver/ogc/docs"' in page

    reference = client.get("/ogc/docs")
    assert reference.status_code == 200
    assert reference.headers["content-type"].startswith("text/html")
    assert 'data-definition="/ogc/api"' in reference.text
    assert re.search(r'<script type="module" src="/assets/reference-[^"]+\.js">', reference.text)
    service = client.get("/docs", params={"lang": "en"})
    assert 'data-definition="/openapi.json"' in service.text and '<html lang="en">' in service.text
    # Each names the other, and neither loads anything from another site.
    assert 'href="https://testserver/docs?lang=en"' in service.text
    for page_text in (reference.text, service.text):
        assert not re.search(r'(src|href)="https?://(?!testserver)', page_text), page_text
