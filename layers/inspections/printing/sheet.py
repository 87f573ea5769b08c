"""The sheet as HTML and CSS for WeasyPrint: A4 portrait, Japanese, laid out as a city's 点検
結果報告書 is: the title with the kind and its legal basis, the overall grade large, the
subject (with the register's facts for a building) beside a small map, the inspection's
date, inspector, department and next due date, the parts table or the JPFA judgement, the
findings and follow-up, a box for the approvers' stamps, then the photos, flowing onto
the next page when the first is full. Everything from the database is escaped."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.city.identity import get_city
from layers.groups.posters.document import FONT_FILE
from layers.groups.posters.mapsvg import FONT
from layers.inspections.printing import labels
from layers.inspections.printing import queries as q
from layers.inspections.printing.photos import photo_uris
from layers.inspections.printing.smallmap import small_map
from layers.store.settings import get_settings

MAP_MM = (78.0, 50.0)
# Okabe-Ito: the grades tell apart for colour-blind readers, and the letter says it anyway.
GRADE_COLOURS = {"A": "#009e73", "B": "#0072b2", "C": "#e69f00", "D": "#d55e00"}
WITHHELD = "（非公開）"
# 決裁欄: the sheet goes round the department for stamps before it is filed.
STAMPS = (
    '<table class="stamps"><tr><th>点検者</th><th>確認</th><th>承認</th></tr>'
    "<tr><td></td><td></td><td></td></tr></table>"
)


def _e(value: object) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _day(value: object) -> str:
    if value is None or value == "":
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def _today() -> date:
    zone = ZoneInfo(get_settings().city_time_zone)
    return datetime.now(UTC).astimezone(zone).date()


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs if v)


def _subject_rows(session: Session, detail: dict[str, Any], full: bool) -> list[tuple[str, str]]:
    """名称, 施設, 所在地, 種別 and, for a building, what the register knows of it: staff's
    alone, as the register and the facility layer's building fields are (resident=False)."""
    subject = detail["subject"]
    layer, subject_id = subject["layer"], subject["id"]
    # A building recorded by mistake and deleted since: staff still print what was found.
    name = _e(subject.get("name")) or "（対象は台帳から削除されています）"
    rows: list[tuple[str, str]] = [("名称", name)]
    facility = None
    if subject.get("facility_id") is not None:
        facility = session.execute(q.FACILITY, {"id": subject["facility_id"]}).one_or_none()
    address = facility.address if facility is not None else None
    if facility is not None:
        kind = labels.FACILITY_KIND_WORDS.get(facility.kind, facility.kind)
        if layer != "facility":
            rows.append(("施設", f"{_e(facility.name)}（{_e(kind)}）"))
        else:
            rows.append(("種別", _e(kind)))
        if facility.park:
            rows.append(("設置場所", _e(facility.park)))
    if layer == "school_route_site":
        address = session.execute(q.SITE_ADDRESS, {"id": subject_id}).scalar_one_or_none()
    if not address and subject.get("geometry"):
        address = session.execute(
            q.DISTRICT, {"geojson": json.dumps(subject["geometry"])}
        ).scalar_one_or_none()
    rows.append(("所在地", _e(address)))
    if layer != "facility":
        rows.append(("対象の種類", _e(labels.LAYER_WORDS.get(layer, layer))))
    if layer == "facility_building" and full:
        b = session.execute(q.BUILDING, {"id": subject_id}).one_or_none()
        if b is not None:
            rows += _building_rows(b, detail)
    if subject.get("use_status") == "closed":
        rows.append(("使用状況", '<b class="closed">使用禁止</b>'))
    return rows


def _building_rows(b: Any, detail: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    if b.built_year:
        inspected = date.fromisoformat(str(detail["inspected_on"])[:10])
        rows.append(
            ("建築年度", f"{b.built_year}年度（点検時 築{inspected.year - b.built_year}年）")
        )
    structure = labels.STRUCTURE_WORDS.get(b.structure or "", "")
    storeys = f"・地上{b.storeys}階" if b.storeys else ""
    rows.append(("構造・階数", _e(structure + storeys) if structure else _e(storeys[1:])))
    if b.floor_area_m2:
        rows.append(("延床面積", f"{b.floor_area_m2:,.1f} ㎡"))
    seismic = labels.SEISMIC_WORDS.get(b.seismic_standard, "")
    more = []
    if b.seismic_diagnosis_year:
        more.append(f"診断 {b.seismic_diagnosis_year}年度")
    if b.retrofit_year:
        more.append(f"補強 {b.retrofit_year}年度")
    if b.is_value is not None:
        more.append(f"Is値 {b.is_value:g}")
    rows.append(("耐震", _e(seismic + (f"（{'、'.join(more)}）" if more else ""))))
    return rows


def _grade(letter: str | None, words: dict[str, str], big: bool = False) -> str:
    if not letter:
        return "—"
    colour = GRADE_COLOURS.get(letter, "#444")
    box = "letter big" if big else "letter"
    return (
        f'<span class="{box}" style="border-color:{colour};color:{colour}">{_e(letter)}</span>'
        f'<span class="word">{_e(words.get(letter, ""))}</span>'
    )


def _overall(detail: dict[str, Any]) -> str:
    words = labels.grade_words(detail["kind"]["grading"])
    hazard = ""
    level = detail.get("hazard_level")
    if level is not None:
        hazard = (
            f'<div class="hazard level{int(level)}"><span class="label">ハザードレベル</span>'
            f'<span class="n">{int(level)}</span>'
            f'<span class="word">{_e(labels.HAZARD_SHORT_WORDS.get(int(level), ""))}</span></div>'
        )
    label = "総合判定" if detail["kind"]["grading"] == "jpfa" else "総合評価"
    return (
        f'<div class="overall"><span class="label">{label}</span>'
        f"{_grade(detail.get('overall_grade'), words, big=True)}</div>{hazard}"
    )


def _parts(detail: dict[str, Any], released: bool) -> str:
    grading = detail["kind"]["grading"]
    parts = detail.get("parts") or []
    if grading == "jpfa":
        level = detail.get("hazard_level")
        hazard = (
            f'<span class="n">{int(level)}</span>　{_e(labels.HAZARD_WORDS.get(int(level), ""))}'
            if level is not None
            else "—"
        )
        words = labels.JPFA_GRADE_WORDS
        return (
            "<section><h2>判定（JPFA 遊具の安全に関する規準による定期点検）</h2>"
            '<table class="grid jpfa"><tr><th>総合判定</th><td class="grade">'
            f"{_grade(detail.get('overall_grade'), words)}</td></tr>"
            f"<tr><th>ハザードレベル</th><td>{hazard}</td></tr></table></section>"
        )
    if not parts:
        return ""
    words = labels.SHORT_GRADE_WORDS
    rows = "".join(
        f"<tr><td class=part>{_e(p.get('ja') or p.get('part'))}</td>"
        f"<td class=grade>{_grade(p.get('grade'), words)}</td>"
        f"<td>{_e(p.get('note') or '—') if released else WITHHELD}</td></tr>"
        for p in parts
    )
    legend = "　".join(f"{k}：{v}" for k, v in labels.GRADE_WORDS.items())
    return (
        '<section><h2>部位別の評価</h2><table class="grid parts"><thead><tr>'
        "<th class=part>部位</th><th class=grade>評価</th><th>所見</th></tr></thead>"
        f'<tbody>{rows}</tbody></table><p class="legend">{_e(legend)}</p></section>'
    )


def _follow_up(detail: dict[str, Any], released: bool) -> str:
    findings = detail.get("findings")
    action = detail.get("follow_up_action")
    if not released:
        body = '<p class="withheld">所見・措置・写真は公開されていません。</p>'
        return f"<section><h2>所見</h2>{body}</section>"
    text = f'<p class="findings">{_e(findings)}</p>' if findings else '<p class="none">記載なし</p>'
    rows = _rows(
        [
            ("対応", _e(labels.FOLLOW_UP_WORDS.get(action or "", action))),
            ("期限", _day(detail.get("follow_up_due"))),
            ("内容", _e(detail.get("follow_up"))),
        ]
    )
    table = f'<table class="grid facts follow">{rows}</table>' if rows else ""
    return (
        f'<div class="pair"><section class="findings"><h2>所見</h2>{text}</section>'
        f'<section class="follow"><h2>措置</h2>{table}</section></div>'
    )


def _photos(uris: list[str]) -> str:
    if not uris:
        return ""
    figures = "".join(
        f'<figure><div class="frame"><img src="{uri}" alt="写真{n}"></div>'
        f"<figcaption>写真{n}</figcaption></figure>"
        for n, uri in enumerate(uris, start=1)
    )
    return f'<section class="photos"><h2>写真（{len(uris)}枚）</h2>{figures}</section>'


def _css(footer: str, running: str) -> str:
    return f"""
@font-face {{ font-family: "{FONT}"; src: url("{FONT_FILE.as_uri()}"); }}
@page {{ size: A4 portrait; margin: 11mm 12mm 14mm;
  @bottom-left {{ content: "{footer}"; font: 7.5pt "{FONT}"; color: #555; }}
  @bottom-right {{ content: counter(page) " / " counter(pages); font: 7.5pt "{FONT}";
                   color: #555; }}
  @top-left {{ content: "{running}"; font: 7.5pt "{FONT}"; color: #555; }} }}
@page :first {{ @top-left {{ content: none; }} }}
* {{ box-sizing: border-box; }}
body {{ font-family: "{FONT}"; font-size: 9pt; line-height: 1.4; color: #111; margin: 0; }}
header {{ display: flex; justify-content: space-between; align-items: flex-start;
          border-bottom: 0.8mm solid #333; padding-bottom: 2mm; margin-bottom: 3mm; }}
header .who {{ font-size: 8.5pt; color: #333; margin: 0; }}
header h1 {{ font-size: 20pt; letter-spacing: 0.2em; margin: 0.5mm 0 1mm; }}
header .kind {{ font-size: 11pt; font-weight: bold; margin: 0; }}
header .basis {{ font-size: 8pt; color: #333; margin: 0.5mm 0 0; }}
.mark {{ display: inline-block; font-size: 7.5pt; border: 0.3mm solid #b00020; color: #b00020;
         padding: 0 1.5mm; margin-top: 1mm; }}
.mark.public {{ border-color: #0072b2; color: #0072b2; }}
.judgement {{ display: flex; gap: 2mm; }}
.overall, .hazard {{ border: 0.5mm solid #333; padding: 1.5mm 2mm; text-align: center;
                     width: 30mm; height: 24.5mm; }}
.overall .label, .hazard .label {{ display: block; font-size: 8pt; font-weight: bold; }}
.overall .letter.big {{ display: block; font-size: 30pt; line-height: 1.1; border: none;
                        font-weight: bold; padding: 0; margin: 0; width: auto; height: auto; }}
.overall .word, .hazard .word {{ display: block; font-size: 7pt; line-height: 1.25; }}
.hazard .n {{ display: block; font-size: 27pt; line-height: 1.15; font-weight: bold; }}
.hazard.level3 {{ border-color: #d55e00; color: #d55e00; }}
.top {{ display: flex; gap: 4mm; align-items: flex-start; }}
/* The table in a box of its own: a table's 100% in a flex row would be the row's width. */
.top .subject {{ flex: 1; }}
.top .place {{ width: {MAP_MM[0]}mm; }}
.map {{ display: block; border: 0.3mm solid #444; }}
.mapnote {{ font-size: 6.5pt; color: #444; margin: 0.5mm 0 0; }}
h2 {{ font-size: 10.5pt; margin: 3mm 0 1mm; border-left: 1.2mm solid #333;
      padding-left: 1.5mm; }}
table.grid {{ width: 100%; border-collapse: collapse; }}
table.grid th, table.grid td {{ border: 0.25mm solid #777; padding: 0.7mm 1.5mm;
                                vertical-align: top; text-align: left; }}
table.grid th {{ background: #eef1f4; font-weight: bold; }}
table.facts th {{ width: 24mm; }}
table.record th, table.record td {{ text-align: center; }}
table.parts th.part, table.parts td.part {{ width: 26mm; }}
table.parts th.grade, table.parts td.grade {{ width: 58mm; }}
table.jpfa th {{ width: 30mm; }}
table.jpfa .n {{ font-weight: bold; font-size: 11pt; }}
table.parts tr {{ break-inside: avoid; }}
.letter {{ display: inline-block; width: 6mm; height: 6mm; line-height: 5.4mm;
           text-align: center; border: 0.5mm solid; border-radius: 1mm; font-weight: bold;
           font-size: 10pt; margin-right: 1.5mm; vertical-align: middle; }}
td.grade .word {{ font-size: 7.5pt; vertical-align: middle; }}
.legend {{ font-size: 6.5pt; color: #444; margin: 0.5mm 0 0; }}
.pair {{ display: flex; gap: 4mm; }}
.pair section.findings {{ flex: 1; }}
.pair section.follow {{ width: 84mm; }}
table.follow th {{ width: 14mm; }}
p.findings {{ white-space: pre-wrap; border: 0.25mm solid #777; padding: 1.5mm 2mm; margin: 0;
             min-height: 17mm; }}
.withheld, .none {{ color: #555; margin: 0; }}
.closed {{ color: #d55e00; }}
table.stamps {{ border-collapse: collapse; }}
.stamps th, .stamps td {{ border: 0.25mm solid #777; width: 14mm; text-align: center;
                          font-size: 7pt; font-weight: normal; padding: 0.3mm; }}
.stamps th {{ height: 4.5mm; }}
.stamps td {{ height: 19mm; }}
/* Rows of photos are lines to the layout: one row may end page 1, one start page 2. */
.photos {{ orphans: 1; widows: 1; }}
.photos figure {{ display: inline-block; width: 58mm; margin: 0 4mm 1mm 0;
                  break-inside: avoid; vertical-align: top; }}
.photos figure:nth-of-type(3n) {{ margin-right: 0; }}
.photos .frame {{ width: 58mm; height: 43.5mm; border: 0.25mm solid #999; background: #f4f4f4;
                  text-align: center; }}
.photos img {{ max-width: 57.5mm; max-height: 43mm; object-fit: contain; }}
.photos figcaption {{ font-size: 7.5pt; text-align: center; }}
"""


def report_html(session: Session, detail: dict[str, Any], full: bool) -> str:
    """The report of the inspection ``detail`` (as inspection_detail gave it to the caller)
    as one self-contained HTML document; ``full``: the caller is staff, who get the stored
    photos (the public the released copies). Layout is pdf_of's, with no session held."""
    # Without the city's row (an instance being set up) the sheet prints without its map.
    city = get_city(session)
    city_name = city.name if city is not None else ""
    settings = get_settings()
    kind = detail["kind"]
    released = bool(detail.get("released")) or full
    legal_basis = session.execute(q.KIND, {"code": kind["code"]}).scalar_one_or_none() or ""
    department = detail.get("department") or {}
    inspector = (detail.get("inspector") or {}).get("name")
    drawn = None
    if city is not None:
        drawn = small_map(session, detail["subject"], plane_zone_epsg(city.plane_zone), *MAP_MM)
    map_html = ""
    if drawn is not None:
        svg, basemap = drawn
        source = "地理院タイル、" if basemap else ""
        map_html = (
            f'<div class="place">{svg}<p class="mapnote">◎ 点検対象　● 周辺の施設　'
            f"出典：{source}{_e(city_name)}</p></div>"
        )
    if full and not detail.get("released"):
        mark = '<span class="mark">職員用：所見・写真は未公開</span>'
    elif full:
        mark = '<span class="mark public">所見・写真 公開済み</span>'
    else:
        mark = '<span class="mark public">公開版</span>'
    who = "　".join(x for x in (city_name, department.get("name_ja") or "") if x)
    record = (
        '<table class="grid record"><tr><th>点検日</th><th>点検者</th><th>担当課</th>'
        "<th>次回点検期限</th></tr><tr>"
        f"<td>{_day(detail.get('inspected_on'))}</td>"
        f"<td>{_e(inspector) if inspector else ('—' if full else WITHHELD)}</td>"
        f"<td>{_e(department.get('name_ja')) or '—'}</td>"
        f"<td>{_day(detail.get('next_due')) or '定めなし'}</td></tr></table>"
    )
    uris = photo_uris(session, detail, full, settings.inspection_max_photos)
    footer = f"machimap で作成　{_day(_today())} 印刷　点検番号 {int(detail['id'])}"
    # The sheets after the first say whose report they continue; the name goes into a CSS
    # string inside <style>, so nothing that could end either.
    subject_name = re.sub(r'["\\<>\x00-\x1f]', "", str(detail["subject"].get("name") or ""))
    running = f"点検結果報告書（つづき）　{subject_name}　{_day(detail.get('inspected_on'))}"
    return f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>点検結果報告書 {_e(detail["subject"].get("name"))} {_day(detail.get("inspected_on"))}</title>
<style>{_css(footer, running)}</style></head><body>
<header><div><p class="who">{_e(who)}</p><h1>点検結果報告書</h1>
<p class="kind">{_e(kind.get("name_ja"))}</p>
{f'<p class="basis">根拠：{_e(legal_basis)}</p>' if legal_basis else ""}{mark}</div>
<div class="judgement">{_overall(detail)}{STAMPS if full else ""}</div></header>
<section><h2>点検対象</h2><div class="top"><div class="subject"><table class="grid facts">
{_rows(_subject_rows(session, detail, full))}</table></div>{map_html}</div></section>
<section><h2>点検の記録</h2>{record}</section>
{_parts(detail, released)}
{_follow_up(detail, released)}
{_photos(uris)}
</body></html>"""
