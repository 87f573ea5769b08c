"""HTML views of the /ogc documents: plain, accessible pages (Japanese first, no scripts).
They render the same documents the JSON answers carry, so they can show nothing more."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from fastapi.responses import HTMLResponse

from api.pages import page


def _a(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _links(links: Iterable[Mapping[str, Any]], skip: tuple[str, ...] = ("self",)) -> str:
    rows = [
        f"<li>{_a(str(k['href']), str(k.get('title') or k['rel']))}"
        f" <small>({escape(str(k['rel']))}, {escape(str(k.get('type', '')))})</small></li>"
        for k in links
        if k.get("rel") not in skip
    ]
    return '<nav aria-label="リンク / links"><ul>\n' + "\n".join(rows) + "\n</ul></nav>"


def _html_link(links: Iterable[Mapping[str, Any]], rel: str) -> str | None:
    """The HTML variant of a link relation (our JSON links carry f=html alternates)."""
    for k in links:
        if k.get("rel") == rel:
            href = str(k["href"])
            return href if "f=html" in href else href + ("&" if "?" in href else "?") + "f=html"
    return None


def _html(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Language"] = "ja"
    return response


def landing(doc: Mapping[str, Any]) -> HTMLResponse:
    body = f"<p>{escape(str(doc['description']))}</p>\n{_links(doc['links'])}"
    return _html(page("地図データ（OGC API）", "OGC API - Features", body))


def conformance(doc: Mapping[str, Any]) -> HTMLResponse:
    items = "\n".join(f"<li><code>{escape(c)}</code></li>" for c in doc["conformsTo"])
    return _html(page("適合クラス", "Conformance classes", f"<ul>\n{items}\n</ul>"))


def _collection_row(c: Mapping[str, Any]) -> str:
    href = next(
        (str(k["href"]) for k in c["links"] if k["rel"] == "alternate"), f"{c['id']}?f=html"
    )
    return (
        f'<tr><th scope="row">{_a(href, str(c["title"]))}</th>'
        f"<td><code>{escape(str(c['id']))}</code></td>"
        f"<td>{escape(str(c['description']))}</td></tr>"
    )


def collections(doc: Mapping[str, Any]) -> HTMLResponse:
    rows = "\n".join(_collection_row(c) for c in doc["collections"])
    table = (
        "<table>\n<caption>コレクション / Collections</caption>\n"
        '<thead><tr><th scope="col">名称 / Title</th><th scope="col">ID</th>'
        '<th scope="col">説明 / Description</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return _html(page("コレクション", "Collections", table + "\n" + _links(doc["links"])))


def collection(doc: Mapping[str, Any]) -> HTMLResponse:
    parts = [f"<p>{escape(str(doc['description']))}</p>", "<dl>"]
    extent = doc.get("extent", {})
    if "spatial" in extent:
        bbox = ", ".join(f"{n:.6f}" for n in extent["spatial"]["bbox"][0])
        parts.append(f"<dt>範囲 / Extent (CRS84)</dt><dd>{escape(bbox)}</dd>")
    if "temporal" in extent:
        start, end = extent["temporal"]["interval"][0]
        parts.append(f"<dt>期間 / Time</dt><dd>{escape(str(start))} – {escape(str(end))}</dd>")
    parts.append(f"<dt>ライセンス / Licence</dt><dd>{escape(str(doc.get('license', '')))}</dd>")
    if doc.get("attribution"):
        parts.append(f"<dt>出典 / Credit</dt><dd>{escape(str(doc['attribution']))}</dd>")
    crs = "".join(f"<li><code>{escape(c)}</code></li>" for c in doc["crs"])
    parts.append(f"<dt>座標参照系 / CRS</dt><dd><ul>{crs}</ul></dd></dl>")
    parts.append(_links(doc["links"]))
    return _html(page(str(doc["title"]), str(doc["id"]), "\n".join(parts)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape(str(value))


def _geometry(geometry: Mapping[str, Any] | None) -> str:
    if not geometry:
        return ""
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coords, list):
        return escape(f"Point ({', '.join(str(c) for c in coords)})")
    return escape(str(geometry.get("type", "")))


def _feature_table(features: list[Mapping[str, Any]], names: list[str], caption: str) -> str:
    head = "".join(f'<th scope="col">{escape(n)}</th>' for n in ["id", *names, "geometry"])
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        fid = str(feature.get("id"))
        cells = "".join(f"<td>{_cell(props.get(n))}</td>" for n in names)
        rows.append(
            f'<tr><th scope="row">{_a(f"items/{fid}?f=html", fid)}</th>{cells}'
            f"<td>{_geometry(feature.get('geometry'))}</td></tr>"
        )
    return (
        f"<table>\n<caption>{escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def items(fc: Mapping[str, Any], title: str, names: list[str]) -> HTMLResponse:
    features = list(fc.get("features", []))
    matched = fc.get("numberMatched")
    summary = f"{len(features)} 件を表示（全 {matched} 件） / showing {len(features)} of {matched}"
    nav = []
    for rel, label in (("prev", "前へ / Previous"), ("next", "次へ / Next")):
        href = _html_link(fc.get("links", []), rel)
        if href:
            nav.append(f'<li><a href="{escape(href)}" rel="{rel}">{label}</a></li>')
    body = (
        f"<p>{escape(summary)}</p>\n"
        + _feature_table(features, names, f"{title} / features")
        + ('\n<nav aria-label="ページ / pages"><ul>' + "".join(nav) + "</ul></nav>" if nav else "")
    )
    return _html(page(f"{title}の地物", "Features", body))


def item(feature: Mapping[str, Any], title: str) -> HTMLResponse:
    props = feature.get("properties") or {}
    rows = "\n".join(
        f'<tr><th scope="row">{escape(str(k))}</th><td>{_cell(v)}</td></tr>'
        for k, v in props.items()
    )
    geometry = json.dumps(feature.get("geometry"), ensure_ascii=False)
    body = (
        f"<table>\n<caption>属性 / Properties</caption>\n<tbody>\n{rows}\n</tbody>\n</table>\n"
        f"<h2>図形 / Geometry</h2>\n<pre>{escape(geometry)}</pre>\n"
        + _links(feature.get("links", []), skip=())
    )
    return _html(page(f"{title} {feature.get('id')}", "Feature", body))


def queryables(
    doc: Mapping[str, Any], what: tuple[str, str] = ("検索できる項目", "Queryables")
) -> HTMLResponse:
    """A JSON Schema's properties as a table: the queryables, or (``what``) the schema."""
    rows = "\n".join(
        f'<tr><th scope="row"><code>{escape(name)}</code></th>'
        f"<td>{escape(str(s.get('description', '')))}</td>"
        f"<td>{escape(str(s.get('type') or s.get('format') or ''))}</td></tr>"
        for name, s in doc["properties"].items()
    )
    table = (
        f"<table>\n<caption>{what[0]} / {what[1]}</caption>\n"
        '<thead><tr><th scope="col">項目 / Name</th><th scope="col">説明 / Description</th>'
        '<th scope="col">型 / Type</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return _html(page(f"{doc['title']}の{what[0]}", what[1], table))
