"""HTML views of the /ogc documents: plain, accessible pages in one language (Japanese, or
English when Accept-Language or ?lang= asks), with times in Japan time. They render the
same documents the JSON answers carry, so they can show nothing more.

Everything a page says is in the page itself; its one script (web/src/serving/ogc.js, found
in Vite's manifest) adds a small map where there is geometry, from a JSON data block (the
CSP allows no inline script). Collection ids and geometries are read from the documents,
never from the registry, so a page shows exactly what its JSON twin does."""

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

from api.serving.ogc.documents import QUERYABLES_REL, RECORDS_NOTE, SCHEMA_REL
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


def _say(en: bool, ja: str, english: str) -> str:
    return english if en else ja


def one_language(text: str, en: bool) -> tuple[str, str | None]:
    """The part of a "日本語 / English" text in the page's language, and the language to
    mark it with where it differs from the page's: some texts exist only in Japanese (the
    registry's layer descriptions, licences, data), and an English page shows them as
    Japanese rather than pretending."""
    parts = [p.strip() for p in text.split(" / ")]
    japanese = [p for p in parts if JAPANESE.search(p)]
    other = [p for p in parts if not JAPANESE.search(p)]
    if en and other:
        return " / ".join(other), None
    if en:
        return japanese[0], "ja"
    if japanese:
        return japanese[0], None
    return text, None


def _lang_attr(lang: str | None) -> str:
    return f' lang="{lang}"' if lang else ""


def _with_query(href: str, drop: Iterable[str] = (), **params: str) -> str:
    """``href`` with ``params`` set (replacing any of the same name) and ``drop`` removed."""
    parts = urlsplit(href)
    gone = set(drop) | params.keys()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in gone]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


@dataclass(frozen=True)
class _Page:
    """What every part of one page needs: its language and where it is."""

    en: bool
    here: str  # this page's own URL (its HTML alternate)

    def say(self, ja: str, english: str) -> str:
        return _say(self.en, ja, english)

    def href(self, href: str) -> str:
        """A link that stays in the reader's language: English pages pass ?lang=en on to
        the other /ogc pages (Japanese is the default, and other sites are left alone)."""
        target, home = urlsplit(href), urlsplit(self.here)
        relative = not target.netloc and not target.path.startswith("/")
        ours = target.netloc in ("", home.netloc) and (target.path.startswith("/ogc") or relative)
        return _with_query(href, lang="en") if self.en and ours else href

    def text(self, text: str, tag: str = "span", attrs: str = "") -> str:
        """``text`` in the page's language, in an element marked with its language if that
        differs (a bare text when no mark and no element attributes are needed)."""
        shown, lang = one_language(text, self.en)
        if lang is None and self.en and JAPANESE.search(shown):
            lang = "ja"
        if lang is None and not attrs and tag == "span":
            return escape(shown)
        return f"<{tag}{attrs}{_lang_attr(lang)}>{escape(shown)}</{tag}>"

    def a(self, href: str, text: str, attrs: str = "") -> str:
        shown, lang = one_language(text, self.en)
        if lang is None and self.en and JAPANESE.search(shown):
            lang = "ja"
        return f'<a href="{escape(self.href(href))}"{attrs}{_lang_attr(lang)}>{escape(shown)}</a>'


def _header(p: _Page, current: str) -> str:
    def item(href: str, ja: str, en: str, key: str) -> str:
        here = ' aria-current="page"' if key == current else ""
        target = _with_query(href, lang="en") if p.en else href
        return f'<a href="{escape(target)}"{here}>{p.say(ja, en)}</a>'

    other = "ja" if p.en else "en"
    switch = _with_query(p.here, lang=other)
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


def _page(
    p: _Page,
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


def _link_href(links: Iterable[Mapping[str, Any]], rel: str, type_: str | None = None) -> str:
    for k in links:
        if k.get("rel") == rel and (type_ is None or k.get("type") == type_):
            return str(k["href"])
    return ""


def _here(links: Iterable[Mapping[str, Any]], fallback: str = "") -> str:
    """A document's HTML page: its alternate link, or its own link asked for as HTML."""
    listed = list(links)
    alternate = _link_href(listed, "alternate", "text/html")
    if alternate:
        return alternate
    own = _link_href(listed, "self") or fallback
    return _with_query(own, f="html") if own else "?f=html"


# Relations whose target this server also renders as a page: a reader follows the page,
# and the JSON stays one click away.
HAS_PAGE = frozenset({"data", "conformance", "collection", QUERYABLES_REL, SCHEMA_REL})


def _link_row(p: _Page, k: Mapping[str, Any]) -> str:
    rel, type_, href = str(k["rel"]), str(k.get("type", "")), str(k["href"])
    title = str(k.get("title") or rel)
    if rel == "self":
        # The same resource as data (the HTML alternate, this page, is left out).
        title = p.say("この内容のデータ", "This content as data")
        href = _with_query(href, f="json")  # a page's own link may have asked for HTML
    if rel in HAS_PAGE and urlsplit(href).path.startswith("/ogc"):
        page, kind = (
            _with_query(href, f="html"),
            f'<a href="{escape(p.href(href))}">{escape(type_)}</a>',
        )
        return f"<li>{p.a(page, title)} <small>({escape(rel)}, {kind})</small></li>"
    return f"<li>{p.a(href, title)} <small>({escape(rel)}, {escape(type_)})</small></li>"


def _links(p: _Page, links: Iterable[Mapping[str, Any]]) -> str:
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


def _html_link(links: Iterable[Mapping[str, Any]], rel: str) -> str | None:
    """The HTML variant of a link relation (our JSON links carry f=html alternates)."""
    for k in links:
        if k.get("rel") == rel:
            return _with_query(str(k["href"]), f="html")
    return None


def _table(caption_id: str, caption: str, head: str, rows: Sequence[str]) -> str:
    """A table in a box of its own that scrolls sideways on a narrow screen (focusable and
    named by its caption, so a keyboard reaches it and a screen reader names it)."""
    thead = f"<thead><tr>{head}</tr></thead>\n" if head else ""
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-labelledby="{caption_id}">'
        f'\n<table>\n<caption id="{caption_id}">{caption}</caption>\n{thead}'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</div>"
    )


def _json_block(data: Mapping[str, Any]) -> str:
    """JSON inside <script type="application/json">: with <, > and & escaped, no text in
    it (a feature's title, say) can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _in_crs84(href: str) -> bool:
    crs = dict(parse_qsl(urlsplit(href).query)).get("crs")
    return crs is None or crs == CRS84_URI


def _map(
    p: _Page,
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
        "url": url,
        "item": item,
    }
    return (
        f'<figure class="ogc-map-figure" hidden>\n<div id="{MAP_ID}" class="ogc-map"></div>\n'
        f"<figcaption>{escape(caption)}</figcaption>\n</figure>\n"
        '<p id="ogc-map-status" class="notice ogc-map-status" role="status"></p>\n'
        f'<script type="application/json" id="{MAP_ID}-data">{_json_block(data)}</script>'
    )


def landing(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = _Page(en, _here(doc["links"]))
    title, _ = one_language(str(doc.get("title") or "地図データ / Map data"), en)
    body = p.text(str(doc["description"]), "p", ' class="ogc-description"')
    return _page(p, title, body + "\n" + _links(p, doc["links"]))


def conformance(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = _Page(en, _here(doc.get("links", []), "/ogc/conformance"))
    items = "\n".join(f"<li><code>{escape(c)}</code></li>" for c in doc["conformsTo"])
    body = f'<ul class="ogc-list">\n{items}\n</ul>'
    return _page(p, p.say("適合クラス", "Conformance classes"), body)


def _description(p: _Page, text: str, tag: str = "span", attrs: str = "") -> str:
    """A collection's description in the page's language. The documents say it in both
    ("description / other title. records note"): the records note is said here in one
    language, and the description (Japanese only in the registry) marked as such."""
    note = ""
    if text.endswith(RECORDS_NOTE):
        text = text[: -len(RECORDS_NOTE)].rstrip()
        note = one_language(RECORDS_NOTE, p.en)[0]
    shown = p.text(text.rstrip("."), tag, attrs)
    return shown + (f"\n<p>{escape(note)}</p>" if note and tag == "p" else "")


def _collection_row(p: _Page, c: Mapping[str, Any]) -> str:
    href = _link_href(c["links"], "alternate") or f"{c['id']}?f=html"
    return (
        f'<tr><th scope="row">{p.a(href, str(c["title"]))}</th>'
        f"<td><code>{escape(str(c['id']))}</code></td>"
        f"{_description(p, str(c['description']), 'td')}</tr>"
    )


def collections(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = _Page(en, _here(doc["links"]))
    rows = [_collection_row(p, c) for c in doc["collections"]]
    head = (
        f'<th scope="col">{p.say("名称", "Title")}</th><th scope="col">ID</th>'
        f'<th scope="col">{p.say("説明", "Description")}</th>'
    )
    title = p.say("コレクション", "Collections")
    table = _table("collections-caption", title, head, rows)
    return _page(p, title, table + "\n" + _links(p, doc["links"]))


def _bbox(extent: Mapping[str, Any]) -> list[float] | None:
    """The first spatial extent as [w, s, e, n] (a 3D box drops its heights)."""
    boxes = extent.get("spatial", {}).get("bbox") or []
    if not boxes:
        return None
    box = [float(n) for n in boxes[0]]
    return [box[0], box[1], box[3], box[4]] if len(box) == 6 else box


def collection(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = _Page(en, _here(doc["links"]))
    parts = [_description(p, str(doc["description"]), "p", ' class="ogc-description"')]
    extent = doc.get("extent", {})
    bbox = _bbox(extent)
    own = _link_href(doc["links"], "self")
    if bbox is not None:
        parts.append(
            _map(
                p,
                p.say(
                    "地図：範囲（点線）と最初のページの地物。地物を選ぶとその詳細を開きます。",
                    "Map: the extent (dashed) and the first page of features."
                    " Select a feature to open its page.",
                ),
                extent=bbox,
                url=_link_href(doc["links"], "items", "application/geo+json") or None,
                item=p.href(f"{own}/items/{{id}}?f=html") if own else None,
            )
        )
    parts.append('<dl class="ogc-facts">')
    parts.append(f"<dt>{p.say('ID', 'ID')}</dt><dd><code>{escape(str(doc['id']))}</code></dd>")
    if bbox is not None:
        shown = ", ".join(f"{n:.6f}" for n in bbox)
        parts.append(f"<dt>{p.say('範囲', 'Extent')} (CRS84)</dt><dd>{escape(shown)}</dd>")
    if "temporal" in extent:
        start, end = (local_time(v) if v else "…" for v in extent["temporal"]["interval"][0])
        parts.append(f"<dt>{p.say('期間', 'Time')}</dt><dd>{escape(start)} – {escape(end)}</dd>")
    licence = str(doc.get("license", ""))
    # A licence's name is what it is called (the Japanese one has no English title).
    marked = ' lang="ja"' if en and JAPANESE.search(licence) else ""
    parts.append(f"<dt>{p.say('ライセンス', 'Licence')}</dt><dd{marked}>{escape(licence)}</dd>")
    if doc.get("attribution"):
        credit = escape(str(doc["attribution"]))
        parts.append(f'<dt>{p.say("出典", "Credit")}</dt><dd lang="ja">{credit}</dd>')
    crs = "".join(f"<li><code>{escape(c)}</code></li>" for c in doc["crs"])
    parts.append(f"<dt>{p.say('座標参照系', 'CRS')}</dt><dd><ul>{crs}</ul></dd></dl>")
    parts.append(_links(p, doc["links"]))
    return _page(p, str(doc["title"]), "\n".join(parts))


def _cell(p: _Page, value: Any) -> str:
    """A <td> of a property's value (data, marked Japanese on an English page if it is)."""
    if value is None:
        return "<td></td>"
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, str) and DATE_TIME.match(value):
        return f'<td><time datetime="{escape(value)}">{escape(local_time(value))}</time></td>'
    else:
        text = str(value)
    marked = ' lang="ja"' if p.en and JAPANESE.search(text) else ""
    return f"<td{marked}>{escape(text)}</td>"


def _geometry(geometry: Mapping[str, Any] | None) -> str:
    if not geometry:
        return ""
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coords, list):
        return escape(f"Point ({', '.join(str(c) for c in coords)})")
    return escape(str(geometry.get("type", "")))


def _feature_table(
    p: _Page, features: list[Mapping[str, Any]], names: list[str], caption: str
) -> str:
    head = "".join(f'<th scope="col">{escape(n)}</th>' for n in ["id", *names, "geometry"])
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        fid = str(feature.get("id"))
        cells = "".join(_cell(p, props.get(n)) for n in names)
        rows.append(
            f'<tr><th scope="row">{p.a(f"items/{fid}?f=html", fid)}</th>{cells}'
            f"<td>{_geometry(feature.get('geometry'))}</td></tr>"
        )
    return _table("features-caption", escape(caption), head, rows)


def items(fc: Mapping[str, Any], title: str, names: list[str], en: bool) -> HTMLResponse:
    links = list(fc.get("links", []))
    p = _Page(en, _here(links))
    features = list(fc.get("features", []))
    matched = fc.get("numberMatched")
    summary = p.say(
        f"{len(features)} 件を表示（全 {matched} 件）", f"Showing {len(features)} of {matched}"
    )
    nav = []
    for rel, label in (("prev", p.say("前へ", "Previous")), ("next", p.say("次へ", "Next"))):
        href = _html_link(links, rel)
        if href:
            nav.append(f'<li><a href="{escape(p.href(href))}" rel="{rel}">{label}</a></li>')
    own = _link_href(links, "self")
    collection_url = _link_href(links, "collection")
    body = [f"<p>{escape(summary)}</p>"]
    if features:
        # Features asked for in another CRS are fetched again in CRS84 for the map.
        embed = _in_crs84(own)
        body.append(
            _map(
                p,
                p.say(
                    "地図：このページの地物。地物を選ぶとその詳細を開きます。",
                    "Map: the features of this page. Select a feature to open its page.",
                ),
                features=features if embed else None,
                url=None if embed else _with_query(own, drop=("crs",), f="json"),
                item=p.href(f"{collection_url}/items/{{id}}?f=html") if collection_url else None,
            )
        )
    body.append(_feature_table(p, features, names, title))
    if nav:
        label = p.say("ページ", "Pages")
        body.append(f'<nav class="ogc-pager" aria-label="{label}"><ul>{"".join(nav)}</ul></nav>')
    body.append(_links(p, [k for k in links if k.get("rel") not in ("prev", "next")]))
    return _page(p, p.say(f"{title}の一覧", f"{title}: features"), "\n".join(body))


def item(feature: Mapping[str, Any], title: str, en: bool) -> HTMLResponse:
    links = list(feature.get("links", []))
    p = _Page(en, _here(links))
    props = feature.get("properties") or {}
    rows = [
        f'<tr><th scope="row">{escape(str(k))}</th>{_cell(p, v)}</tr>' for k, v in props.items()
    ]
    geometry = feature.get("geometry")
    body = [_table("properties-caption", p.say("属性", "Properties"), "", rows)]
    if geometry:
        own = _link_href(links, "self")
        embed = _in_crs84(own)
        body.append(f'<h2 id="geometry-heading">{p.say("図形", "Geometry")}</h2>')
        body.append(
            _map(
                p,
                p.say("地図：この地物の図形。", "Map: the geometry of this feature."),
                features=[feature] if embed else None,
                url=None if embed else _with_query(own, drop=("crs",), f="json"),
            )
        )
        text = json.dumps(geometry, ensure_ascii=False)
        # A long geometry scrolls in its box: focusable, so a keyboard can scroll it too.
        body.append(
            '<pre class="ogc-geometry" tabindex="0" role="region"'
            f' aria-labelledby="geometry-heading">{escape(text)}</pre>'
        )
    body.append(_links(p, links))
    return _page(p, f"{title} {feature.get('id')}", "\n".join(body))


def queryables(
    doc: Mapping[str, Any], en: bool, what: tuple[str, str] = ("検索できる項目", "Queryables")
) -> HTMLResponse:
    """A JSON Schema's properties as a table: the queryables, or (``what``) the schema."""
    p = _Page(en, _with_query(str(doc.get("$id", "")), f="html"))
    rows = [
        f'<tr><th scope="row"><code>{escape(name)}</code></th>'
        f"{p.text(str(s.get('description', '')), 'td')}"
        f"<td>{escape(str(s.get('type') or s.get('format') or ''))}</td></tr>"
        for name, s in doc["properties"].items()
    ]
    head = (
        f'<th scope="col">{p.say("項目", "Name")}</th>'
        f'<th scope="col">{p.say("説明", "Description")}</th>'
        f'<th scope="col">{p.say("型", "Type")}</th>'
    )
    table = _table("schema-caption", p.say(*what), head, rows)
    title = p.say(f"{doc['title']}の{what[0]}", f"{doc['title']}: {what[1]}")
    return _page(p, title, table)


def reference(
    definition: str, here: str, choices: Sequence[tuple[str, str, str]], en: bool
) -> HTMLResponse:
    """An API reference page: Swagger UI (web/src/serving/reference.js) reading the OpenAPI
    definition at ``definition``; ``choices`` are (page URL, Japanese, English) of the
    definitions one can switch between."""
    p = _Page(en, here)
    path = urlsplit(here).path
    entries = "".join(
        f'<li><a href="{escape(_with_query(url, lang="en") if en else url)}"'
        + (' aria-current="page"' if urlsplit(url).path == path else "")
        + f">{escape(p.say(ja, english))}</a></li>"
        for url, ja, english in choices
    )
    intro = p.say(
        "OpenAPI 定義から作った操作の一覧です。定義そのもの（JSON）:",
        "The operations, from the OpenAPI definition. The definition itself (JSON):",
    )
    body = (
        f'<p>{intro} <a href="{escape(definition)}"><code>{escape(definition)}</code></a></p>\n'
        f'<nav class="reference-choice" aria-label="{p.say("API 定義", "API definitions")}">'
        f"<ul>{entries}</ul></nav>\n"
        f'<div id="reference" class="reference" data-definition="{escape(definition)}"></div>'
    )
    title = p.say("API リファレンス", "API reference")
    return _page(
        p, title, body, script=REFERENCE_SCRIPT, current="reference", main_class="reference-page"
    )
