"""HTML views of the /ogc documents: plain, accessible pages without scripts, in one
language (Japanese, or English when Accept-Language or ?lang= asks), with times in Japan
time. They render the same documents the JSON answers carry, so they can show nothing more."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

from fastapi.responses import HTMLResponse

JST = timezone(timedelta(hours=9))
# A date-time with its offset, as the documents carry them (RFC 3339).
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def _say(en: bool, ja: str, english: str) -> str:
    return english if en else ja


def _page(title: str, body: str, en: bool) -> HTMLResponse:
    lang = "en" if en else "ja"
    html = f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — machimap</title></head>
<body>
<main>
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


def _a(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _links(links: Iterable[Mapping[str, Any]], skip: tuple[str, ...] = ("self",)) -> str:
    rows = [
        f"<li>{_a(str(k['href']), str(k.get('title') or k['rel']))}"
        f" <small>({escape(str(k['rel']))}, {escape(str(k.get('type', '')))})</small></li>"
        for k in links
        if k.get("rel") not in skip
    ]
    return '<nav aria-label="links"><ul>\n' + "\n".join(rows) + "\n</ul></nav>"


def _html_link(links: Iterable[Mapping[str, Any]], rel: str) -> str | None:
    """The HTML variant of a link relation (our JSON links carry f=html alternates)."""
    for k in links:
        if k.get("rel") == rel:
            href = str(k["href"])
            return href if "f=html" in href else href + ("&" if "?" in href else "?") + "f=html"
    return None


def landing(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    body = f"<p>{escape(str(doc['description']))}</p>\n{_links(doc['links'])}"
    return _page(_say(en, "地図データ（OGC API）", "Map data (OGC API - Features)"), body, en)


def conformance(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    items = "\n".join(f"<li><code>{escape(c)}</code></li>" for c in doc["conformsTo"])
    return _page(_say(en, "適合クラス", "Conformance classes"), f"<ul>\n{items}\n</ul>", en)


def _collection_row(c: Mapping[str, Any]) -> str:
    href = next(
        (str(k["href"]) for k in c["links"] if k["rel"] == "alternate"), f"{c['id']}?f=html"
    )
    return (
        f'<tr><th scope="row">{_a(href, str(c["title"]))}</th>'
        f"<td><code>{escape(str(c['id']))}</code></td>"
        f"<td>{escape(str(c['description']))}</td></tr>"
    )


def collections(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    rows = "\n".join(_collection_row(c) for c in doc["collections"])
    table = (
        f"<table>\n<caption>{_say(en, 'コレクション', 'Collections')}</caption>\n"
        f'<thead><tr><th scope="col">{_say(en, "名称", "Title")}</th><th scope="col">ID</th>'
        f'<th scope="col">{_say(en, "説明", "Description")}</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    title = _say(en, "コレクション", "Collections")
    return _page(title, table + "\n" + _links(doc["links"]), en)


def collection(doc: Mapping[str, Any], en: bool) -> HTMLResponse:
    parts = [f"<p>{escape(str(doc['description']))}</p>", "<dl>"]
    extent = doc.get("extent", {})
    if "spatial" in extent:
        bbox = ", ".join(f"{n:.6f}" for n in extent["spatial"]["bbox"][0])
        parts.append(f"<dt>{_say(en, '範囲', 'Extent')} (CRS84)</dt><dd>{escape(bbox)}</dd>")
    if "temporal" in extent:
        start, end = (local_time(v) if v else "…" for v in extent["temporal"]["interval"][0])
        parts.append(f"<dt>{_say(en, '期間', 'Time')}</dt><dd>{escape(start)} – {escape(end)}</dd>")
    licence = escape(str(doc.get("license", "")))
    parts.append(f"<dt>{_say(en, 'ライセンス', 'Licence')}</dt><dd>{licence}</dd>")
    if doc.get("attribution"):
        credit = escape(str(doc["attribution"]))
        parts.append(f'<dt>{_say(en, "出典", "Credit")}</dt><dd lang="ja">{credit}</dd>')
    crs = "".join(f"<li><code>{escape(c)}</code></li>" for c in doc["crs"])
    parts.append(f"<dt>{_say(en, '座標参照系', 'CRS')}</dt><dd><ul>{crs}</ul></dd></dl>")
    parts.append(_links(doc["links"]))
    return _page(str(doc["title"]), "\n".join(parts), en)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, str) and DATE_TIME.match(value):
        return f'<time datetime="{escape(value)}">{escape(local_time(value))}</time>'
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


def items(fc: Mapping[str, Any], title: str, names: list[str], en: bool) -> HTMLResponse:
    features = list(fc.get("features", []))
    matched = fc.get("numberMatched")
    summary = _say(
        en, f"{len(features)} 件を表示（全 {matched} 件）", f"Showing {len(features)} of {matched}"
    )
    nav = []
    for rel, label in (("prev", _say(en, "前へ", "Previous")), ("next", _say(en, "次へ", "Next"))):
        href = _html_link(fc.get("links", []), rel)
        if href:
            nav.append(f'<li><a href="{escape(href)}" rel="{rel}">{label}</a></li>')
    body = (
        f"<p>{escape(summary)}</p>\n"
        + _feature_table(features, names, title)
        + ('\n<nav aria-label="pages"><ul>' + "".join(nav) + "</ul></nav>" if nav else "")
    )
    return _page(_say(en, f"{title}の一覧", f"{title}: features"), body, en)


def item(feature: Mapping[str, Any], title: str, en: bool) -> HTMLResponse:
    props = feature.get("properties") or {}
    rows = "\n".join(
        f'<tr><th scope="row">{escape(str(k))}</th><td>{_cell(v)}</td></tr>'
        for k, v in props.items()
    )
    geometry = json.dumps(feature.get("geometry"), ensure_ascii=False)
    body = (
        f"<table>\n<caption>{_say(en, '属性', 'Properties')}</caption>\n<tbody>\n{rows}\n"
        f"</tbody>\n</table>\n<h2>{_say(en, '図形', 'Geometry')}</h2>\n"
        f"<pre>{escape(geometry)}</pre>\n" + _links(feature.get("links", []), skip=())
    )
    return _page(f"{title} {feature.get('id')}", body, en)


def queryables(
    doc: Mapping[str, Any], en: bool, what: tuple[str, str] = ("検索できる項目", "Queryables")
) -> HTMLResponse:
    """A JSON Schema's properties as a table: the queryables, or (``what``) the schema."""
    rows = "\n".join(
        f'<tr><th scope="row"><code>{escape(name)}</code></th>'
        f"<td>{escape(str(s.get('description', '')))}</td>"
        f"<td>{escape(str(s.get('type') or s.get('format') or ''))}</td></tr>"
        for name, s in doc["properties"].items()
    )
    table = (
        f"<table>\n<caption>{_say(en, *what)}</caption>\n"
        f'<thead><tr><th scope="col">{_say(en, "項目", "Name")}</th>'
        f'<th scope="col">{_say(en, "説明", "Description")}</th>'
        f'<th scope="col">{_say(en, "型", "Type")}</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    title = _say(en, f"{doc['title']}の{what[0]}", f"{doc['title']}: {what[1]}")
    return _page(title, table, en)
