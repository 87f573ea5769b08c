"""HTML views of the /ogc documents: plain, accessible pages in one language (Japanese, or
English when Accept-Language or ?lang= asks), with times in Japan time. They render the
same documents the JSON answers carry, so they can show nothing more; collection ids and
geometries are read from the documents, never from the registry. A small map shows the
geometry where there is some (api/serving/ogc/page.py has the frame and the map's data)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse

from api.serving.ogc.documents import RECORDS_NOTE
from api.serving.ogc.page import (
    DATE_TIME,
    JAPANESE,
    REFERENCE_SCRIPT,
    Page,
    here_of,
    html_link,
    in_crs84,
    link_href,
    link_list,
    local_time,
    map_figure,
    one_language,
    render,
    scrolling_table,
    with_query,
)


def landing(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = Page(en, here_of(doc["links"]))
    title, _ = one_language(str(doc.get("title") or "地図データ / Map data"), en)
    body = p.text(str(doc["description"]), "p", ' class="ogc-description"')
    return render(p, title, body + "\n" + link_list(p, doc["links"]))


def conformance(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = Page(en, here_of(doc.get("links", []), "/ogc/conformance"))
    items = "\n".join(f"<li><code>{escape(c)}</code></li>" for c in doc["conformsTo"])
    body = f'<ul class="ogc-list">\n{items}\n</ul>'
    return render(p, p.say("適合クラス", "Conformance classes"), body)


def _description(p: Page, text: str, tag: str = "span", attrs: str = "") -> str:
    """A collection's description in the page's language. The documents say it in both
    ("description / other title. records note"): the records note is said here in one
    language, and the description (Japanese only in the registry) marked as such."""
    note = ""
    if text.endswith(RECORDS_NOTE):
        text = text[: -len(RECORDS_NOTE)].rstrip()
        note = one_language(RECORDS_NOTE, p.en)[0]
    shown = p.text(text, tag, attrs)
    return shown + (f"\n<p>{escape(note)}</p>" if note and tag == "p" else "")


def _collection_row(p: Page, c: Mapping[str, Any]) -> str:
    href = link_href(c["links"], "alternate") or f"{c['id']}?f=html"
    return (
        f'<tr><th scope="row">{p.a(href, str(c["title"]))}</th>'
        f"<td><code>{escape(str(c['id']))}</code></td>"
        f"{_description(p, str(c['description']), 'td')}</tr>"
    )


def collections(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = Page(en, here_of(doc["links"]))
    rows = [_collection_row(p, c) for c in doc["collections"]]
    head = (
        f'<th scope="col">{p.say("名称", "Title")}</th><th scope="col">ID</th>'
        f'<th scope="col">{p.say("説明", "Description")}</th>'
    )
    title = p.say("コレクション", "Collections")
    table = scrolling_table("collections-caption", title, head, rows)
    return render(p, title, table + "\n" + link_list(p, doc["links"]))


def _bbox(extent: Mapping[str, Any]) -> list[float] | None:
    """The first spatial extent as [w, s, e, n] (a 3D box drops its heights)."""
    boxes = extent.get("spatial", {}).get("bbox") or []
    if not boxes:
        return None
    box = [float(n) for n in boxes[0]]
    return [box[0], box[1], box[3], box[4]] if len(box) == 6 else box


def collection(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    p = Page(en, here_of(doc["links"]))
    parts = [_description(p, str(doc["description"]), "p", ' class="ogc-description"')]
    extent = doc.get("extent", {})
    bbox = _bbox(extent)
    own = link_href(doc["links"], "self")
    if bbox is not None:
        parts.append(
            map_figure(
                p,
                p.say(
                    "地図：範囲（点線）と最初のページの地物。地物を選ぶとその詳細を開きます。",
                    "Map: the extent (dashed) and the first page of features."
                    " Select a feature to open its page.",
                ),
                extent=bbox,
                url=link_href(doc["links"], "items", "application/geo+json") or None,
                item=p.href(f"{own}/items/{{id}}?f=html") if own else None,
            )
        )
    parts.append('<dl class="ogc-facts">')
    parts.append(f"<dt>ID</dt><dd><code>{escape(str(doc['id']))}</code></dd>")
    if doc.get("geometryType"):
        kind = escape(str(doc["geometryType"]))
        parts.append(f"<dt>{p.say('図形の種類', 'Geometry type')}</dt><dd><code>{kind}</code></dd>")
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
    parts.append(link_list(p, doc["links"]))
    return render(p, str(doc["title"]), "\n".join(parts))


def _cell(p: Page, value: Any) -> str:
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
    p: Page, features: list[Mapping[str, Any]], names: list[str], caption: str
) -> str:
    head = "".join(f'<th scope="col">{escape(n)}</th>' for n in ["id", *names, "geometry"])
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        fid = str(feature.get("id"))
        cells = "".join(_cell(p, props.get(n)) for n in names)
        rows.append(
            f'<tr><th scope="row">{p.a(f"items/{fid}?f=html", fid)}</th>{cells}'
            f'<td class="nowrap">{_geometry(feature.get("geometry"))}</td></tr>'
        )
    return scrolling_table("features-caption", escape(caption), head, rows)


def items(fc: Mapping[str, Any], title: str, names: list[str], en: bool) -> HTMLResponse:
    links = list(fc.get("links", []))
    p = Page(en, here_of(links))
    features = list(fc.get("features", []))
    matched = fc.get("numberMatched")
    summary = p.say(
        f"{len(features)} 件を表示（全 {matched} 件）", f"Showing {len(features)} of {matched}"
    )
    nav = []
    for rel, label in (("prev", p.say("前へ", "Previous")), ("next", p.say("次へ", "Next"))):
        href = html_link(links, rel)
        if href:
            nav.append(f'<li><a href="{escape(p.href(href))}" rel="{rel}">{label}</a></li>')
    own = link_href(links, "self")
    collection_url = link_href(links, "collection")
    body = [f"<p>{escape(summary)}</p>"]
    if features:
        # Features asked for in another CRS are fetched again in CRS84 for the map.
        embed = in_crs84(own)
        body.append(
            map_figure(
                p,
                p.say(
                    "地図：このページの地物。地物を選ぶとその詳細を開きます。",
                    "Map: the features of this page. Select a feature to open its page.",
                ),
                features=features if embed else None,
                url=None if embed else with_query(own, drop=("crs",), f="json"),
                item=p.href(f"{collection_url}/items/{{id}}?f=html") if collection_url else None,
            )
        )
    body.append(_feature_table(p, features, names, title))
    if nav:
        label = p.say("ページ", "Pages")
        body.append(f'<nav class="ogc-pager" aria-label="{label}"><ul>{"".join(nav)}</ul></nav>')
    body.append(link_list(p, [k for k in links if k.get("rel") not in ("prev", "next")]))
    return render(p, p.say(f"{title}の一覧", f"{title}: features"), "\n".join(body))


def item(feature: Mapping[str, Any], title: str, en: bool) -> HTMLResponse:
    links = list(feature.get("links", []))
    p = Page(en, here_of(links))
    props = feature.get("properties") or {}
    rows = [
        f'<tr><th scope="row">{escape(str(k))}</th>{_cell(p, v)}</tr>' for k, v in props.items()
    ]
    geometry = feature.get("geometry")
    body = [scrolling_table("properties-caption", p.say("属性", "Properties"), "", rows)]
    if geometry:
        own = link_href(links, "self")
        embed = in_crs84(own)
        body.append(f'<h2 id="geometry-heading">{p.say("図形", "Geometry")}</h2>')
        body.append(
            map_figure(
                p,
                p.say("地図：この地物の図形。", "Map: the geometry of this feature."),
                features=[feature] if embed else None,
                url=None if embed else with_query(own, drop=("crs",), f="json"),
            )
        )
        text = json.dumps(geometry, ensure_ascii=False)
        # A long geometry scrolls in its box: focusable, so a keyboard can scroll it too.
        body.append(
            '<pre class="ogc-geometry" tabindex="0" role="region"'
            f' aria-labelledby="geometry-heading">{escape(text)}</pre>'
        )
    body.append(link_list(p, links))
    return render(p, f"{title} {feature.get('id')}", "\n".join(body))


def queryables(
    doc: Mapping[str, Any], en: bool, what: tuple[str, str] = ("検索できる項目", "Queryables")
) -> HTMLResponse:
    """A JSON Schema's properties as a table: the queryables, or (``what``) the schema."""
    p = Page(en, with_query(str(doc.get("$id", "")), f="html"))
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
    table = scrolling_table("schema-caption", p.say(*what), head, rows)
    title = p.say(f"{doc['title']}の{what[0]}", f"{doc['title']}: {what[1]}")
    return render(p, title, table)


def reference(
    definition: str, here: str, choices: Sequence[tuple[str, str, str]], en: bool
) -> HTMLResponse:
    """An API reference page: Swagger UI (web/src/serving/reference.js) reading the OpenAPI
    definition at ``definition``; ``choices`` are (page URL, Japanese, English) of the
    definitions one can switch between."""
    p = Page(en, here)
    path = urlsplit(here).path
    entries = "".join(
        f'<li><a href="{escape(with_query(url, lang="en") if en else url)}"'
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
    return render(
        p, title, body, script=REFERENCE_SCRIPT, current="reference", main_class="reference-page"
    )
