"""The poster as HTML and CSS, laid out by WeasyPrint. Page one is the poster itself: title,
group and date, the map, its legend, the QR code back to the live map and the credits; the
list of places keyed by number follows in columns (on the same sheet when it fits), then
the atlas pages. Everything a member wrote is escaped; the only files WeasyPrint may open
are the font and the data: URIs built here."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
import weasyprint
from PIL import ImageFile
from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.city.identity import get_city
from layers.groups.model import SafetyMap
from layers.groups.posters import queries as q
from layers.groups.posters.basemap import Deadline
from layers.groups.posters.labels import DETAIL_LABELS, KIND_LABELS, kind_label
from layers.groups.posters.mapsvg import FONT, Drawn, Frame, draw_page_map
from layers.groups.posters.marks import kind_symbol, legend_symbol
from layers.groups.posters.options import MARGIN_MM, PosterOptions
from layers.media.storage import media_store
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# IPA P Gothic (the proportional IPA Gothic) from Debian's fonts-ipafont-gothic: its licence
# lets a PDF embed it, and the subset WeasyPrint embeds prints the same on any printer.
FONT_FILE = Path("/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf")
JST = ZoneInfo("Asia/Tokyo")
# Layers whose data the background and the places come from: their credits are printed.
CREDITED_LAYERS = [
    "district",
    "school_district",
    "facility",
    "safety_map_feature",
    "road",
    "green_space",
]
BACKGROUND_LEGEND = {
    "district": ("地区・自治会の境界", "District boundaries"),
    "road": ("道路（緊急輸送路・都市計画道路）", "Roads (emergency routes, planned roads)"),
    "green_space": ("公園・緑地", "Parks and green spaces"),
    "school_route": ("通学路（市）", "School routes (city)"),
    "park": ("公園", "Parks"),
}
MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

# Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which would
# let the photo pipeline (layers/media/photos.py) store a half-uploaded photo as if whole.
# Our posters only embed photos that pipeline already checked, so the strict default is back.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class _Fetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
    """Only the font and the data: URIs of this document; nothing a member typed can make
    the renderer open a file or the network."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("data:") or url == FONT_FILE.as_uri():
            return super().fetch(url, headers)
        raise ValueError(f"the poster loads nothing from {url}")


@dataclass(frozen=True)
class Place:
    number: int
    kind: str
    detail: str | None
    title: str | None
    note: str | None
    photo: str | None  # a data: URI of the released photo


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _date_line(m: SafetyMap) -> str:
    if m.is_published and m.published_at is not None:
        day = m.published_at.astimezone(JST)
        return f"{day.year}年{day.month}月{day.day}日 公開"
    today = datetime.now(UTC).astimezone(JST)
    return (
        f'<span class="draft">下書き・未公開 / Draft</span> '
        f"{today.year}年{today.month}月{today.day}日 印刷"
    )


def _photo_uri(key: str) -> str | None:
    extension = key.rsplit(".", 1)[-1]
    try:
        data = media_store().read(key)
    except Refused:  # a file lost since: the place is listed without its photo
        return None
    return f"data:{MIME.get(extension, 'image/jpeg')};base64,{base64.b64encode(data).decode()}"


def _places(session: Session, map_id: int) -> list[Place]:
    photos = {n: key for n, key in q.rows(session, q.PHOTOS, map_id=map_id)}
    return [
        Place(number, kind, detail, title, note, _photo_uri(photos[n]) if n in photos else None)
        for n, kind, detail, title, note in q.rows(session, q.PLACES, map_id=map_id)
        for number in [n]
    ]


def _credits(session: Session, city_name: str, basemap: bool) -> str:
    names: list[str] = []
    for (attribution,) in q.rows(session, q.CREDITS, layers=CREDITED_LAYERS):
        for name in attribution.split("、"):
            if name and name not in names:
                names.append(name)
    names = names or [city_name]
    if basemap:
        names.append("地理院タイル")
    return "出典：" + "、".join(names)


def _legend(kinds: set[str], background: list[str], size: float) -> str:
    entries = [
        f'<li>{legend_symbol(kind, 6.5 * size)}<span class="ja">{_e(ja)}</span>'
        f'<br><span class="en">{_e(en)}</span></li>'
        for kind in sorted(kinds, key=_kind_order)
        for ja, en in [kind_label(kind)]
    ]
    swatches = {
        "district": '<line x1="0" y1="3" x2="10" y2="3" stroke="#5b6770" stroke-width="0.6"/>',
        "school_route": '<line x1="0" y1="3" x2="10" y2="3" stroke="#cc79a7" '
        'stroke-opacity="0.6" stroke-width="1.4" stroke-linecap="round"/>',
        "park": '<circle cx="5" cy="3" r="1.3" fill="#7fbf7b"/>',
        "road": '<line x1="0" y1="3" x2="10" y2="3" stroke="#b9bcc0" stroke-width="2.6"/>'
        '<line x1="0" y1="3" x2="10" y2="3" stroke="#ffffff" stroke-width="1.9"/>',
        "green_space": '<rect x="0" y="0.5" width="10" height="5" fill="#cfe8c8"/>',
    }
    for name in background:
        ja, en = BACKGROUND_LEGEND[name]
        entries.append(
            f'<li class="bg"><svg width="10mm" height="6mm" viewBox="0 0 10 6">'
            f'{swatches[name]}</svg><span class="ja">{ja}</span>'
            f'<br><span class="en">{en}</span></li>'
        )
    heading = '<h2>凡例 <span class="en">Legend</span></h2>'
    return f'<section class="legend">{heading}<ul>{"".join(entries)}</ul></section>'


def _kind_order(kind: str) -> int:
    order = list(KIND_LABELS)
    return order.index(kind) if kind in order else len(order)


def _badge(kind: str, number: int) -> str:
    """The marker's colour, frame and number in the list, in CSS: an inline SVG per place
    costs WeasyPrint more than the rest of the place's layout."""
    symbol = kind_symbol(kind)
    return (
        f'<span class="num {symbol.frame}" style="background:{symbol.color}">'
        f'<span style="color:{symbol.ink}">{number}</span></span>'
    )


def _list(places: list[Place], heading: str, columns: int) -> str:
    """Places in rows of ``columns``, read across: a table, which WeasyPrint lays out in
    one pass (balanced CSS columns and flex boxes cost it several times as much)."""
    if not places:
        return ""
    cells = []
    for p in places:
        ja, _en = kind_label(p.kind)
        if p.detail:
            ja = f"{ja}・{DETAIL_LABELS.get(p.detail, (p.detail,))[0]}"
        photo = f'<img src="{p.photo}" alt="">' if p.photo else ""
        title = f'<b class="title">{_e(p.title)}</b>' if p.title else ""
        note = f'<span class="note">{_e(p.note)}</span>' if p.note else ""
        cells.append(
            f"<td>{_badge(p.kind, p.number)}{photo}"
            f'<span class="kind">{_e(ja)}</span>{title}{note}</td>'
        )
    rows = "".join(
        "<tr>" + "".join(cells[i : i + columns]) + "</tr>" for i in range(0, len(cells), columns)
    )
    return f'<section class="places"><h2>{heading}</h2><table>{rows}</table></section>'


def _qr(url: str, side_mm: float) -> str:
    code = segno.make(url, error="m")
    modules = code.symbol_size(border=2)[0]
    svg: str = code.svg_inline(scale=side_mm / modules, unit="mm", border=2)
    return svg


def _columns(options: PosterOptions) -> int:
    width = options.sheet_mm[0]
    return (2 if width < 250 else 3) if options.paper == "A4" else (3 if width < 350 else 4)


def _css(options: PosterOptions) -> str:
    width, height = options.sheet_mm
    s = options.scale_up
    return f"""
@font-face {{ font-family: "{FONT}"; src: url("{FONT_FILE.as_uri()}"); }}
@page {{ size: {width}mm {height}mm; margin: {MARGIN_MM}mm;
  @bottom-right {{ content: counter(page) " / " counter(pages); font: {7 * s}pt "{FONT}";
                   color: #555; }} }}
* {{ box-sizing: border-box; }}
body {{ font-family: "{FONT}"; font-size: {8.5 * s}pt; color: #111; margin: 0;
        line-height: 1.35; }}
header {{ display: flex; justify-content: space-between; align-items: flex-start;
          border-bottom: {0.8 * s}mm solid #009e73; padding-bottom: 2mm; margin-bottom: 2mm; }}
header h1 {{ font-size: {20 * s}pt; margin: 0 0 1mm; line-height: 1.15; }}
header .meta {{ font-size: {10 * s}pt; }}
header .meta .group {{ font-weight: bold; margin-right: 4mm; }}
header .description {{ font-size: {8.5 * s}pt; margin: 1mm 0 0; color: #333;
                       max-height: {8 * s}mm; overflow: hidden; }}
.draft {{ color: #b00020; font-weight: bold; border: 0.4mm solid #b00020; padding: 0 1.5mm; }}
.qr {{ text-align: center; font-size: {6.5 * s}pt; margin-left: 4mm; }}
.qr svg {{ display: block; margin: 0 auto; width: {24 * s}mm; height: {24 * s}mm; }}
.side .qr {{ margin: 3mm 0 2mm; text-align: left; }}
.side .qr svg {{ margin: 0 0 1mm; }}
.sheet {{ display: flex; gap: 4mm; }}
.sheet.portrait {{ flex-direction: column; }}
.map {{ display: block; border: 0.3mm solid #444; }}
.side {{ display: flex; gap: 4mm; }}
.sheet.landscape .side {{ flex-direction: column; width: 100%; }}
h2 {{ font-size: {10 * s}pt; margin: 0 0 1mm; }}
.en {{ color: #555; font-size: 0.85em; margin-left: 1.5mm; }}
.legend {{ flex: 1; }}
.legend ul {{ list-style: none; margin: 0; padding: 0; }}
.legend li {{ display: inline-block; width: {"100%" if options.landscape else "48%"};
              margin: 0 1% 1mm 0; padding-left: {12 * s}mm; min-height: {7 * s}mm;
              line-height: 1.2; }}
.legend li svg {{ float: left; margin-left: -{11 * s}mm; }}
.legend li .en {{ margin-left: 0; }}
.side .about {{ width: {"100%" if options.landscape else "38%"}; }}
.credits {{ font-size: {7 * s}pt; color: #333; }}
.places {{ margin-top: 3mm; }}
.places table {{ width: 100%; table-layout: fixed; border-collapse: collapse; }}
.places tr {{ break-inside: avoid; }}
.places td {{ vertical-align: top; border-bottom: 0.2mm solid #ccc;
              padding: 1.2mm 2.5mm 1.5mm {7.5 * s}mm; }}
.places .num {{ float: left; width: {5 * s}mm; height: {5 * s}mm;
                margin: 0.4mm 0 0 -{7.2 * s}mm;
               text-align: center; font-weight: bold; font-size: {7.5 * s}pt;
               line-height: {5 * s}mm; border-radius: 50%; }}
.places .num.square {{ border-radius: 1mm; }}
.places .num.diamond {{ transform: rotate(45deg) scale(0.86); border-radius: 0.4mm; }}
.places .num.diamond span {{ display: block; transform: rotate(-45deg) scale(1.16); }}
.places .kind {{ font-size: {7 * s}pt; color: #444; display: block; }}
.places .title {{ display: block; }}
.places .note {{ display: block; margin-top: 0.5mm; }}
.places img {{ float: right; width: {24 * s}mm; margin: 0 0 0.5mm 1.5mm; border-radius: 0.8mm; }}
.atlas {{ break-before: page; }}
.atlas h1 {{ font-size: {15 * s}pt; margin: 0 0 2mm; }}
"""


def _map_box(options: PosterOptions) -> tuple[float, float]:
    """The overview map's size on page one: the width of the sheet in portrait (legend and
    credits below), seven tenths of it in landscape (legend and QR beside)."""
    width, height = options.sheet_mm
    inner_w, inner_h = width - 2 * MARGIN_MM, height - 2 * MARGIN_MM
    header = 24 * options.scale_up
    if options.landscape:
        return inner_w * 0.7, inner_h - header - 4
    # The legend (eight kinds and the background in two columns) and the credits below it:
    # the map takes the rest of the sheet, and the list starts on the next.
    # The header is taller in portrait, where the QR code sits in it.
    return inner_w, inner_h - 40 * options.scale_up - 62 * options.scale_up


def poster_html(session: Session, m: SafetyMap, options: PosterOptions, public_base: str) -> str:
    """The poster of map ``m`` as one self-contained HTML document: everything the database
    and the media store give is in it, so the layout (pdf_of) needs neither. Drafts print
    (their members check them on paper) marked as such; photos print only as released."""
    city = get_city(session)
    if city is None:
        raise Refused(
            "市の設定がないため地図を印刷できません。",
            "the city is not set up, so no map can be printed",
            status=409,
        )
    srid = plane_zone_epsg(city.plane_zone)
    settings = get_settings()
    size = options.scale_up
    owner, district_id = session.execute(q.OWNER, {"map_id": m.id}).one()
    count = session.execute(q.COUNT, {"map_id": m.id}).scalar_one()
    if count > settings.print_max_places:
        limit = settings.print_max_places
        raise Refused(
            f"この地図は地点が{count}か所あり、ポスターに載せられるのは{limit}か所までです。"
            "地図を分けて作ってください。",
            f"the map has {count} places; a poster holds at most {limit}: split the map",
            status=422,
            places=count,
            limit=limit,
        )
    places = _places(session, m.id)
    by_number = {p.number: p for p in places}
    extent = session.execute(q.EXTENT, {"map_id": m.id, "srid": srid}).one_or_none()
    if extent is None:
        extent = session.execute(
            q.AREA_EXTENT, {"district_id": district_id, "srid": srid}
        ).one_or_none()
    if extent is None:
        raise Refused(
            "地図の範囲が決まりません（地点も地区もありません）。",
            "the map has no extent: no places and no district",
            status=409,
        )
    # Web Mercator's tiles shrink with latitude: the basemap's zoom depends on it a little.
    latitude = float(
        session.execute(
            q.LATITUDE,
            {"x": (extent[0] + extent[2]) / 2, "y": (extent[1] + extent[3]) / 2, "srid": srid},
        ).scalar_one()
    )
    deadline = Deadline(settings.print_basemap_budget_s)
    width_mm, height_mm = _map_box(options)
    overview = draw_page_map(
        session,
        Frame.fit((extent[0], extent[1], extent[2], extent[3]), srid, width_mm, height_mm),
        m.id,
        size,
        settings.print_basemap_url,
        deadline,
        latitude,
    )
    atlas_pages: list[tuple[str, Drawn, list[Place]]] = []
    if options.atlas is not None:
        inner_w = options.sheet_mm[0] - 2 * MARGIN_MM
        inner_h = options.sheet_mm[1] - 2 * MARGIN_MM
        box = (inner_w * 0.7, inner_h - 14) if options.landscape else (inner_w, inner_h * 0.6)
        for name, x0, y0, x1, y1, outline, numbers in q.rows(
            session, q.atlas_statement(options.atlas), map_id=m.id, srid=srid
        ):
            drawn = draw_page_map(
                session,
                Frame.fit((x0, y0, x1, y1), srid, *box),
                m.id,
                size,
                settings.print_basemap_url,
                deadline,
                latitude,
                highlight=outline,
            )
            atlas_pages.append((name, drawn, [by_number[n] for n in numbers if n in by_number]))
    basemap = overview.basemap or any(d.basemap for _, d, _ in atlas_pages)
    credits = _credits(session, city.name, basemap)
    url = f"{public_base.rstrip('/')}/safety-maps/{m.id}"
    return _document(m, owner, options, overview, places, atlas_pages, credits, url)


def pdf_of(document: str) -> bytes:
    """The layout: seconds of CPU for a big map, so callers run it with no database
    connection held."""
    return bytes(weasyprint.HTML(string=document, url_fetcher=_Fetcher(timeout=1)).write_pdf())


def render_poster(
    session: Session, m: SafetyMap, options: PosterOptions, public_base: str
) -> bytes:
    return pdf_of(poster_html(session, m, options, public_base))


def _document(
    m: SafetyMap,
    owner: str | None,
    options: PosterOptions,
    overview: Drawn,
    places: list[Place],
    atlas_pages: list[tuple[str, Drawn, list[Place]]],
    credits: str,
    url: str,
) -> str:
    size = options.scale_up
    columns = _columns(options)
    layout = "landscape" if options.landscape else "portrait"
    description = f'<p class="description">{_e(m.description)}</p>' if m.description else ""
    group = f'<span class="group">{_e(owner)}</span>' if owner else ""
    qr = (
        f'<div class="qr">{_qr(url, 24 * size)}<div>スマホで見る<br>'
        f'<span class="en">Open on a phone</span></div></div>'
    )
    legend = _legend(overview.kinds, overview.background, size)
    side = (
        f'<div class="side">{legend}<div class="about">{qr if options.landscape else ""}'
        f'<p class="credits">{_e(credits)}<br>{_e(url)}</p></div></div>'
    )
    pages = []
    for name, drawn, inside in atlas_pages:
        pages.append(
            f'<section class="atlas"><h1>{_e(name)} <span class="en">{_e(m.title)}</span></h1>'
            f'<div class="sheet {layout}">{drawn.svg}'
            f"{_legend(drawn.kinds, drawn.background, size)}</div>"
            f"{_list(inside, f'{_e(name)}の地点 <span class=en>Places</span>', columns)}"
            f'<p class="credits">{_e(credits)}</p></section>'
        )
    return f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>{_e(m.title)}</title><style>{_css(options)}</style></head><body>
<header><div><h1>{_e(m.title)}</h1><div class="meta">{group}{_date_line(m)}</div>
{description}</div>{"" if options.landscape else qr}</header>
<div class="sheet {layout}">{overview.svg}{side}</div>
{_list(places, '地点の一覧 <span class="en">Places by number</span>', columns)}
{"".join(pages)}
</body></html>"""
