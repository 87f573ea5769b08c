"""The frame every /ogc page (and the API reference) shares: one language per page, the
site's header with the language switch, links that keep the reader's language, tables that
scroll on a phone, and the map's figure with its JSON data block.

A page loads one script, found in Vite's manifest (api/web/assets.py): the /ogc pages'
stylesheet and small map (web/src/serving/ogc.js), or Swagger UI for the reference. The CSP
allows no inline script or style, so data goes to the script as JSON data, never as code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.responses import HTMLResponse

from api.serving.ogc.documents import QUERYABLES_REL, SCHEMA_REL
from api.web import assets
from layers.serving.features import CRS84_URI
from layers.store.settings import get_settings

JST = timezone(timedelta(hours=9))
# A date-time with its offset, as the documents carry them (RFC 3339).
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
# Kana, kanji and full-width forms: text that is (partly) Japanese.
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
SCRIPT = "src/serving/ogc.js"
MAP_ID = "ogc-map"
REFERENCE_SCRIPT = "src/serving/reference.js"


def one_language(text: str, en: bool) -> tuple[str, str | None]:
    """The part of a "日本語 / English" text in the page's language, and the language to
    mark it with where it differs from the page's: some texts exist only in Japanese (the
    registry's layer descriptions, licences, data), and an English page shows them as
    Japanese rather than pretending."""
    parts = list(dict.fromkeys(p.strip() for p in text.split(" / ")))  # "URL / URL" once
    japanese = [p for p in parts if JAPANESE.search(p)]
    other = [p for p in parts if not JAPANESE.search(p)]
    if en and other:
        return " / ".join(other), None
    if en:
        return japanese[0], "ja"
    if japanese:
        return japanese[0], None
    return " / ".join(parts), None


def lang_attr(lang: str | None) -> str:
    return f' lang="{lang}"' if lang else ""


def with_query(href: str, drop: Iterable[str] = (), **params: str) -> str:
    """``href`` with ``params`` set (replacing any of the same name) and ``drop`` removed."""
    parts = urlsplit(href)
    gone = set(drop) | params.keys()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in gone]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


@dataclass(frozen=True)
class Page:
    """What every part of one page needs: its language and where it is."""

    en: bool
    here: str  # this page's own URL (its HTML alternate)

    def say(self, ja: str, english: str) -> str:
        return english if self.en else ja

    def href(self, href: str) -> str:
        """A link that stays in the reader's language: English pages pass ?lang=en on to
        the other /ogc pages (Japanese is the default, and other sites are left alone)."""
        target, home = urlsplit(href), urlsplit(self.here)
        relative = not target.netloc and not target.path.startswith("/")
        ours = target.netloc in ("", home.netloc) and (target.path.startswith("/ogc") or relative)
        return with_query(href, lang="en") if self.en and ours else href

    def text(self, text: str, tag: str = "span", attrs: str = "") -> str:
        """``text`` in the page's language, in an element marked with its language if that
        differs (a bare text when no mark and no element attributes are needed)."""
        shown, lang = one_language(text, self.en)
        if lang is None and not attrs and tag == "span":
            return escape(shown)
        return f"<{tag}{attrs}{lang_attr(lang)}>{escape(shown)}</{tag}>"

    def a(self, href: str, text: str, attrs: str = "") -> str:
        shown, lang = one_language(text, self.en)
        return f'<a href="{escape(self.href(href))}"{attrs}{lang_attr(lang)}>{escape(shown)}</a>'


def _header(p: Page, current: str) -> str:
    def item(href: str, ja: str, en: str, key: str) -> str:
        here = ' aria-current="page"' if key == current else ""
        target = with_query(href, lang="en") if p.en else href
        return f'<a href="{escape(target)}"{here}>{p.say(ja, en)}</a>'

    other = "ja" if p.en else "en"
    switch = with_query(p.here, lang=other)
    label = "日本語" if p.en else "English"
    return (
        f'<a class="skip-link" href="#main">{p.say("本文へ移動", "Skip to content")}</a>\n'
        '<header class="site-header">\n<p class="site-title"><a href="/">machimap</a></p>\n'
        f'<nav class="site-nav" aria-label="{p.say("サイト内の移動", "Site")}">'
        + item("/", "地図", "Map", "map")
        + item("/ogc", "地図データ（OGC API）", "Map data (OGC API)", "ogc")
        + item("/ogc/docs", "API リファレンス", "API reference", "reference")
        + f'<a href="{escape(switch)}" lang="{other}" hreflang="{other}">{label}</a>'
        + "</nav>\n</header>"
    )


def render(
    p: Page,
    title: str,
    body: str,
    *,
    script: str = SCRIPT,
    current: str = "ogc",
    main_class: str = "ogc-page",
) -> HTMLResponse:
    lang = "en" if p.en else "ja"
    built = assets.entry(script)
    head = built.tags() if built else ""
    html = f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — machimap</title>
<link rel="icon" href="data:,">
{head}</head>
<body>
{_header(p, current)}
<main id="main" tabindex="-1" class="{main_class}">
<h1>{escape(title)}</h1>
{body}
</main>
</body>
</html>"""
    response = HTMLResponse(html)
    response.headers["Content-Language"] = lang
    return response


def local_time(value: str) -> str:
    """An RFC 3339 date-time as Japan time with its offset: 2024-05-01 09:30 (+09:00)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(JST)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M") + " (+09:00)"


def link_href(links: Iterable[Mapping[str, Any]], rel: str, type_: str | None = None) -> str:
    for k in links:
        if k.get("rel") == rel and (type_ is None or k.get("type") == type_):
            return str(k["href"])
    return ""


def here_of(links: Iterable[Mapping[str, Any]], fallback: str = "") -> str:
    """A document's HTML page: its alternate link, or its own link asked for as HTML."""
    listed = list(links)
    alternate = link_href(listed, "alternate", "text/html")
    if alternate:
        return alternate
    own = link_href(listed, "self") or fallback
    return with_query(own, f="html") if own else "?f=html"


# Relations whose target this server also renders as a page: a reader follows the page,
# and the JSON stays one click away.
HAS_PAGE = frozenset({"data", "conformance", "collection", QUERYABLES_REL, SCHEMA_REL})


def _link_row(p: Page, k: Mapping[str, Any]) -> str:
    rel, type_, href = str(k["rel"]), str(k.get("type", "")), str(k["href"])
    title = str(k.get("title") or rel)
    if rel == "self":
        # The same resource as data (the HTML alternate, this page, is left out).
        title = p.say("この内容のデータ", "This content as data")
        href = with_query(href, f="json")  # a page's own link may have asked for HTML
    if rel in HAS_PAGE and urlsplit(href).path.startswith("/ogc"):
        data = f'<a href="{escape(p.href(href))}">{escape(type_)}</a>'
        page = with_query(href, f="html")
        return f"<li>{p.a(page, title)} <small>({escape(rel)}, {data})</small></li>"
    return f"<li>{p.a(href, title)} <small>({escape(rel)}, {escape(type_)})</small></li>"


def link_list(p: Page, links: Iterable[Mapping[str, Any]]) -> str:
    rows = [
        _link_row(p, k)
        for k in links
        if not (k.get("rel") == "alternate" and k.get("type") == "text/html")
    ]
    heading = p.say("リンク", "Links")
    return (
        f'<nav class="ogc-links" aria-labelledby="links-heading">'
        f'<h2 id="links-heading">{heading}</h2><ul>\n' + "\n".join(rows) + "\n</ul></nav>"
    )


def html_link(links: Iterable[Mapping[str, Any]], rel: str) -> str | None:
    """The HTML variant of a link relation (our JSON links carry f=html alternates)."""
    for k in links:
        if k.get("rel") == rel:
            return with_query(str(k["href"]), f="html")
    return None


def scrolling_table(caption_id: str, caption: str, head: str, rows: Sequence[str]) -> str:
    """A table in a box of its own that scrolls sideways on a narrow screen (focusable and
    named by its caption, so a keyboard reaches it and a screen reader names it)."""
    thead = f"<thead><tr>{head}</tr></thead>\n" if head else ""
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-labelledby="{caption_id}">'
        f'\n<table>\n<caption id="{caption_id}">{caption}</caption>\n{thead}'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</div>"
    )


def json_block(data: Mapping[str, Any]) -> str:
    """JSON inside <script type="application/json">: with <, > and & escaped, no text in
    it (a feature's title, say) can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def in_crs84(href: str) -> bool:
    crs = dict(parse_qsl(urlsplit(href).query)).get("crs")
    return crs is None or crs == CRS84_URI


def _local(url: str | None) -> str | None:
    """A URL of this server as a path: the script fetches from wherever the page was opened
    (connect-src 'self'), even where the public URL names another address."""
    if url is None:
        return None
    return urlunsplit(urlsplit(url)._replace(scheme="", netloc=""))


def map_figure(
    p: Page,
    caption: str,
    *,
    extent: Sequence[float] | None = None,
    features: Sequence[Mapping[str, Any]] | None = None,
    url: str | None = None,
    item: str | None = None,
) -> str:
    """The map figure and its data: an extent ([w, s, e, n], CRS84), the features to draw
    (their geometry only) or a GeoJSON URL to fetch them from, and the URL of a feature's
    page with {id} in it. Hidden until the script shows it: without scripts the page
    shows no empty box."""
    data = {
        "basemap": get_settings().basemap_origin or None,
        "extent": list(extent) if extent else None,
        "features": None
        if features is None
        else {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": f.get("id"), "geometry": f["geometry"], "properties": {}}
                for f in features
                if f.get("geometry")
            ],
        },
        "url": _local(url),
        "item": _local(item),
    }
    return (
        f'<figure class="ogc-map-figure" hidden>\n<div id="{MAP_ID}" class="ogc-map"></div>\n'
        f"<figcaption>{escape(caption)}</figcaption>\n</figure>\n"
        '<p id="ogc-map-status" class="notice ogc-map-status" role="status"></p>\n'
        f'<script type="application/json" id="{MAP_ID}-data">{json_block(data)}</script>'
    )
