"""The list printed: A4 landscape, the sites on a map of the city's own layers (or 地理院タイル
when they come in time) numbered by 箇所番号, then the table as the spreadsheet has it.
The map and the layout are the safety-map poster's (layers/groups/posters/): its background,
scale bar and north arrow, its font and its WeasyPrint set-up that opens no file or URL
beyond the document's own."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.city.identity import get_city
from layers.groups.posters import queries as poster_queries
from layers.groups.posters.basemap import Deadline
from layers.groups.posters.document import FONT_FILE
from layers.groups.posters.mapsvg import FONT, Frame, draw_background, finish_map
from layers.inspections.school_routes.model import MeasureStatus, Party, Reason, Timing
from layers.inspections.school_routes.spreadsheet import (
    PARTY_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    TIMING_LABELS,
)
from layers.store.refusals import Refused
from layers.store.settings import get_settings

JST = ZoneInfo("Asia/Tokyo")
SHEET_MM = (297.0, 210.0)
MARGIN_MM = 10.0
MAP_MM = (277.0, 120.0)
# Done in green, the rest in the hazards' vermillion: what is still open stands out.
OPEN_COLOUR, DONE_COLOUR = "#d55e00", "#009e73"

EXTENT = text(
    """SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
    FROM (SELECT ST_Extent(ST_Transform(geom, :srid)) AS b FROM school_route_site
          WHERE id = ANY(:ids)) e WHERE b IS NOT NULL"""
)
MARKS = text(
    f"""WITH {poster_queries.ENVELOPE}
    SELECT s.id, ST_Dimension(s.geom),
           round(ST_X(a)::numeric, 1)::float8, round(-ST_Y(a)::numeric, 1)::float8,
           CASE WHEN ST_Dimension(s.geom) > 0 THEN
               ST_AsSVG(ST_Simplify(ST_ClipByBox2D(z.g, env.z), :tol), 0, 1) END
    FROM school_route_site s, env,
         LATERAL (SELECT ST_Transform(s.geom, :srid) AS g) z,
         LATERAL (SELECT CASE WHEN ST_Dimension(z.g) = 0 THEN z.g
                              ELSE ST_ClosestPoint(z.g, ST_Centroid(z.g)) END AS a) anchor
    WHERE s.id = ANY(:ids) AND s.geom && env.s
    ORDER BY ST_Dimension(s.geom) DESC, s.id"""
)


def _e(value: object) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _done(p: dict[str, Any]) -> bool:
    statuses = [m["status"] for m in p["measures"].values() if m["status"]]
    return bool(statuses) and all(
        s in (MeasureStatus.done, MeasureStatus.not_done) for s in statuses
    )


def _mark(label: str, colour: str, k: float) -> str:
    width = max(6.0, 2.0 + 1.9 * len(label))
    return (
        f'<g transform="scale({k:.4f})"><rect x="{-width / 2:.2f}" y="-3" width="{width:.2f}" '
        f'height="6" rx="3" fill="{colour}" stroke="#ffffff" stroke-width="0.5"/>'
        f'<text x="0" y="1.1" text-anchor="middle" font-size="3.2" font-weight="bold" '
        f'fill="#ffffff">{_e(label)}</text></g>'
    )


def _map(session: Session, features: list[dict[str, Any]], srid: int) -> str:
    ids = [f["id"] for f in features]
    extent = session.execute(EXTENT, {"ids": ids, "srid": srid}).one()
    frame = Frame.fit((extent[0], extent[1], extent[2], extent[3]), srid, *MAP_MM)
    settings = get_settings()
    centre = session.execute(
        poster_queries.LATITUDE,
        {"x": (extent[0] + extent[2]) / 2, "y": (extent[1] + extent[3]) / 2, "srid": srid},
    ).scalar_one()
    deadline = Deadline(settings.print_basemap_budget_s)
    parts, _drawn = draw_background(
        session, frame, 1.0, settings.print_basemap_url, deadline, float(centre)
    )
    by_id = {f["id"]: f["properties"] for f in features}
    k = frame.k
    lines, marks = [], []
    for site_id, dimension, x, y, path in session.execute(
        MARKS, {**frame.env.params(tol=k * 0.25), "ids": ids}
    ):
        p = by_id[site_id]
        colour = DONE_COLOUR if _done(p) else OPEN_COLOUR
        if path and dimension == 1:
            lines.append(
                f'<path d="{path}" fill="none" stroke="#ffffff" stroke-width="{2.2 * k:.2f}" '
                'stroke-linecap="round"/>'
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{1.3 * k:.2f}" '
                'stroke-linecap="round"/>'
            )
        marks.append(f'<g transform="translate({x} {y})">{_mark(p["number"], colour, k)}</g>')
    return finish_map(frame, [*parts, *lines, *marks], 1.0)


def _measure_cell(m: dict[str, Any]) -> str:
    if not any(m.values()):
        return '<td class="none">—</td>'
    timing = TIMING_LABELS[Timing(m["timing"])] if m["timing"] else ""
    status = STATUS_LABELS[MeasureStatus(m["status"])] if m["status"] else ""
    why = (
        f'<span class="why">理由：{_e(m["not_done_reason"])}</span>' if m["not_done_reason"] else ""
    )
    return (
        f"<td>{_e(m['measure'])}<span class=meta>{_e(timing)}"
        f"{' / ' if timing and status else ''}<b>{_e(status)}</b></span>{why}</td>"
    )


def _table(features: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{_e(PARTY_LABELS[p])}</th>" for p in Party)
    rows = []
    for f in features:
        p = f["properties"]
        reasons = "、".join(REASON_LABELS[Reason(r)] for r in p["reasons"])
        rows.append(
            f"<tr><td class=num>{_e(p['number'])}</td><td>{_e(p['school']['name'])}"
            f"<br>{_e(p['address'])}</td><td>{_e(reasons)}</td>"
            f"<td class=day>{_e(p['inspected_on'])}</td>"
            + "".join(_measure_cell(p["measures"][party.value]) for party in Party)
            + "</tr>"
        )
    return (
        '<table class="list"><thead><tr><th>箇所番号</th><th>学校名・箇所（住所）</th>'
        f"<th>選定理由</th><th>合同点検実施日</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


CSS = f"""
@font-face {{ font-family: "{FONT}"; src: url("{FONT_FILE.as_uri()}"); }}
@page {{ size: {SHEET_MM[0]}mm {SHEET_MM[1]}mm; margin: {MARGIN_MM}mm;
  @bottom-right {{ content: counter(page) " / " counter(pages); font: 7pt "{FONT}"; }} }}
body {{ font-family: "{FONT}"; font-size: 8pt; margin: 0; color: #111; }}
h1 {{ font-size: 15pt; margin: 0 0 1mm; }}
.meta-line {{ font-size: 9pt; margin: 0 0 2mm; }}
.map {{ display: block; border: 0.3mm solid #444; }}
.legend {{ font-size: 7.5pt; margin: 1mm 0 2mm; }}
.legend i {{ display: inline-block; width: 3mm; height: 3mm; border-radius: 50%;
             vertical-align: middle; margin: 0 1mm 0 3mm; }}
table.list {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
table.list th, table.list td {{ border: 0.2mm solid #999; padding: 0.8mm 1mm;
                                vertical-align: top; }}
table.list th {{ background: #eef2f5; font-size: 7.5pt; }}
table.list tr {{ break-inside: avoid; }}
table.list .num {{ width: 12mm; text-align: center; font-weight: bold; }}
table.list .day {{ width: 18mm; }}
.meta {{ display: block; color: #444; font-size: 7pt; margin-top: 0.5mm; }}
.why {{ display: block; font-size: 7pt; color: #b00020; }}
.none {{ color: #888; text-align: center; }}
.credits {{ font-size: 6.5pt; color: #444; margin-top: 2mm; }}
"""


def list_html(session: Session, features: list[dict[str, Any]], title_note: str) -> str:
    """The list of ``features`` (already those the caller may read) as one HTML document."""
    if not features:
        raise Refused("印刷する箇所がありません。", "there are no sites to print", status=404)
    limit = get_settings().print_max_places
    if len(features) > limit:
        raise Refused(
            f"一度に印刷できるのは{limit}か所までです（{len(features)}か所）。学校や年度で絞ってください。",
            f"at most {limit} sites print at once ({len(features)}): choose a school or year",
            status=422,
        )
    city = get_city(session)
    if city is None:
        raise Refused("市の設定がないため印刷できません。", "the city is not set up", status=409)
    srid = plane_zone_epsg(city.plane_zone)
    today = datetime.now(UTC).astimezone(JST)
    schools = sorted({f["properties"]["school"]["name"] for f in features})
    years = sorted({f["properties"]["fiscal_year"] for f in features})
    drafts = sum(1 for f in features if not f["properties"]["is_published"])
    draft = f"（うち未公開 {drafts} か所）" if drafts else ""
    year_words = "・".join(f"{y}年度" for y in years)
    return f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>通学路交通安全対策箇所一覧表</title><style>{CSS}</style></head><body>
<h1>通学路交通安全対策箇所一覧表</h1>
<p class="meta-line">{_e(city.name)}　{_e("・".join(schools))}　{_e(year_words)}
　{len(features)}か所{draft}　{today.year}年{today.month}月{today.day}日 印刷{_e(title_note)}</p>
{_map(session, features, srid)}
<p class="legend">地図の番号は箇所番号<i style="background:{OPEN_COLOUR}"></i>対策中・予定
<i style="background:{DONE_COLOUR}"></i>対策済（または未実施と決定）</p>
{_table(features)}
<p class="credits">出典：{_e(city.name)}（通学路合同点検）</p>
</body></html>"""
