"""The list as the spreadsheet 通学路交通安全対策箇所一覧表: out as CSV in its layout (UTF-8
with a BOM, so Excel opens the Japanese columns right), and back in from it.

Reading it back is all or nothing: every mistake of the file is named by its line and
column, and nothing is stored until none is left. A row is the site of its school, 年度 and
箇所番号, so importing the same file again changes nothing but what the file changed.
Files saved by Excel in Shift_JIS (cp932) are read as they are."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from layers.city.facilities import Facility, FacilityKind
from layers.city.geometry_input import geometry_input
from layers.inspections.school_routes import sites
from layers.inspections.school_routes.model import (
    MeasureStatus,
    Party,
    Reason,
    SchoolRouteSite,
    Timing,
)
from layers.store.refusals import Refused

PARTY_LABELS = {
    Party.school: "学校・教育委員会",
    Party.road: "道路管理者",
    Party.police: "警察",
}
REASON_LABELS = {
    Reason.speed: "車の速度が上がる",
    Reason.heavy_vehicles: "大型車の通行",
    Reason.near_miss: "ヒヤリハット",
    Reason.poor_visibility: "見通しが悪い",
    Reason.no_sidewalk: "歩道がない",
    Reason.residents_request: "住民からの要望",
    Reason.other: "その他",
}
TIMING_LABELS = {
    Timing.ongoing: "常時",
    Timing.short: "短期（1～2年）",
    Timing.medium: "中期（3～5年）",
    Timing.long: "長期（6年以上）",
}
STATUS_LABELS = {
    MeasureStatus.planned: "対策予定",
    MeasureStatus.in_progress: "対策中",
    MeasureStatus.done: "対策済",
    MeasureStatus.not_done: "未実施",
}
# What people write in the sheet for the same thing.
REASON_WORDS = {**{v: k for k, v in REASON_LABELS.items()}, "住民要望": Reason.residents_request}
STATUS_WORDS = {
    **{v: k for k, v in STATUS_LABELS.items()},
    "予定": MeasureStatus.planned,
    "実施中": MeasureStatus.in_progress,
    "対策実施中": MeasureStatus.in_progress,
    "完了": MeasureStatus.done,
    "実施済": MeasureStatus.done,
    "対策済み": MeasureStatus.done,
    "未対策": MeasureStatus.not_done,
}

YEAR = "年度"
NUMBER = "箇所番号"
SCHOOL = "学校名"
ADDRESS = "箇所（住所）"
LON = "経度"
LAT = "緯度"
REASONS = "選定理由"
INSPECTED = "合同点検実施日"


def measure_columns(party: Party) -> tuple[str, str, str, str]:
    label = PARTY_LABELS[party]
    return (
        f"対策内容（{label}）",
        f"実施時期（{label}）",
        f"対策状況（{label}）",
        f"未実施の理由（{label}）",
    )


COLUMNS = (
    YEAR,
    NUMBER,
    SCHOOL,
    ADDRESS,
    LON,
    LAT,
    REASONS,
    INSPECTED,
    *(c for p in Party for c in measure_columns(p)),
)
REQUIRED = (NUMBER, SCHOOL)
REASON_SEPARATORS = re.compile(r"[、,，;；/／・\n]+")
MAX_ROWS = 5000


# -- out ----------------------------------------------------------------------------------


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    # A cell starting like a formula would run in Excel (CSV injection): keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) is not None


def csv_text(features: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for feature in features:
        p = feature["properties"]
        row: list[Any] = [
            p["fiscal_year"],
            p["number"],
            p["school"]["name"],
            p["address"],
            f"{p['lon']:.7f}",
            f"{p['lat']:.7f}",
            "、".join(REASON_LABELS[Reason(r)] for r in p["reasons"]),
            p["inspected_on"],
        ]
        for party in Party:
            m = p["measures"][party.value]
            row += [
                m["measure"],
                TIMING_LABELS[Timing(m["timing"])] if m["timing"] else None,
                STATUS_LABELS[MeasureStatus(m["status"])] if m["status"] else None,
                m["not_done_reason"],
            ]
        writer.writerow([text_cell(v) for v in row])
    return out.getvalue()


# -- in -----------------------------------------------------------------------------------


@dataclass
class Mistake:
    line: int
    column: str | None
    message_ja: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
        }


@dataclass
class SheetRow:
    line: int
    year: int
    number: str
    school_id: int
    address: str | None
    point: shapely.Geometry | None
    reasons: list[Reason]
    inspected_on: date | None
    measures: dict[Party, dict[str, Any]] = field(default_factory=dict)


def decoded(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused(
        "ファイルの文字コードが読めません（UTF-8 か Shift_JIS で保存してください）。",
        "the file is neither UTF-8 nor Shift_JIS",
        status=422,
    )


def _records(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise Refused("ファイルが空です。", "the file is empty", status=422) from None
    except csv.Error as exc:
        raise Refused(f"1行目が読めません：{exc}", f"line 1 cannot be read: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Refused(
            f"1行目に列 {'、'.join(missing)} がありません（通学路交通安全対策箇所一覧表の列名）。",
            f"line 1 lacks the column(s) {', '.join(missing)}",
            status=422,
            missing=missing,
            columns=list(COLUMNS),
        )
    line = 1
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise Refused(
                f"{start}行目が読めません：{exc}", f"line {start} cannot be read: {exc}"
            ) from None
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield start, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}


def _date(text: str) -> date:
    found = re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", text)
    if found is None:
        raise ValueError(text)
    return date(int(found[1]), int(found[2]), int(found[3]))


def _choice(words: dict[str, Any], codes: type[Any], text: str) -> Any:
    if text in words:
        return words[text]
    try:
        return codes(text)
    except ValueError:
        pass
    for label, value in words.items():  # 短期 for 短期（1～2年）
        if label.startswith(text) and len(text) >= 2:
            return value
    raise ValueError(text)


class _Reader:
    def __init__(self, session: Session, default_year: int | None) -> None:
        self.session = session
        self.default_year = default_year
        self.mistakes: list[Mistake] = []
        names: dict[str, list[int]] = {}
        for fid, name in session.execute(
            select(Facility.id, Facility.name).where(Facility.kind == FacilityKind.school)
        ):
            names.setdefault(name, []).append(fid)
        self.schools = names

    def wrong(self, line: int, column: str | None, ja: str, en: str) -> None:
        self.mistakes.append(Mistake(line, column, ja, en))

    def row(self, line: int, cells: dict[str, str]) -> SheetRow | None:
        before = len(self.mistakes)
        year = self.default_year
        if cells.get(YEAR):
            try:
                year = int(cells[YEAR].removesuffix("年度"))
                if not 2000 <= year <= 2200:
                    raise ValueError
            except ValueError:
                self.wrong(line, YEAR, "年度が読めません", f"{YEAR} is not a year")
        if year is None:
            self.wrong(line, YEAR, "年度がありません", f"{YEAR} is missing")
        number = cells.get(NUMBER, "")
        if not number or len(number) > 20:
            self.wrong(line, NUMBER, "箇所番号が空か長すぎます", f"{NUMBER} is empty or too long")
        school = cells.get(SCHOOL, "")
        found = self.schools.get(school, [])
        if len(found) != 1:
            self.wrong(
                line,
                SCHOOL,
                f"学校「{school}」が{'ありません' if not found else '複数あります'}",
                f"{'no' if not found else 'more than one'} school named {school!r}",
            )
        address = cells.get(ADDRESS) or None
        if address and len(address) > 300:
            self.wrong(line, ADDRESS, "住所が長すぎます", f"{ADDRESS} is too long")
        point = self._point(line, cells)
        reasons = self._reasons(line, cells.get(REASONS, ""))
        inspected = None
        if cells.get(INSPECTED):
            try:
                inspected = _date(cells[INSPECTED])
            except ValueError:
                self.wrong(
                    line,
                    INSPECTED,
                    "日付は 2026-07-15 の形で書いてください",
                    f"{INSPECTED} must be a date like 2026-07-15",
                )
        measures = {p: self._measure(line, p, cells) for p in Party}
        if len(self.mistakes) > before or year is None:
            return None
        return SheetRow(line, year, number, found[0], address, point, reasons, inspected, measures)

    def _point(self, line: int, cells: dict[str, str]) -> shapely.Geometry | None:
        lon, lat = cells.get(LON, ""), cells.get(LAT, "")
        if not lon and not lat:
            return None
        try:
            coords = [float(lon), float(lat)]
        except ValueError:
            self.wrong(line, LON, "経度・緯度が数値ではありません", "lon/lat are not numbers")
            return None
        try:
            return geometry_input({"type": "Point", "coordinates": coords}, ("Point",))
        except Refused as refused:
            self.wrong(line, LON, refused.message_ja, refused.message_en)
            return None

    def _reasons(self, line: int, text: str) -> list[Reason]:
        found: list[Reason] = []
        for word in (w.strip() for w in REASON_SEPARATORS.split(text)):
            if not word:
                continue
            try:
                reason = _choice(REASON_WORDS, Reason, word)
            except ValueError:
                self.wrong(
                    line,
                    REASONS,
                    f"選定理由「{word}」は一覧にありません（{'、'.join(REASON_LABELS.values())}）",
                    f"unknown reason {word!r}",
                )
                continue
            if reason not in found:
                found.append(reason)
        return found

    def _measure(self, line: int, party: Party, cells: dict[str, str]) -> dict[str, Any]:
        what, when, status, why = measure_columns(party)
        values: dict[str, Any] = {
            "measure": cells.get(what) or None,
            "not_done_reason": cells.get(why) or None,
        }
        for column, key, words, codes in (
            (when, "timing", {v: k for k, v in TIMING_LABELS.items()}, Timing),
            (status, "status", STATUS_WORDS, MeasureStatus),
        ):
            values[key] = None
            if cells.get(column):
                try:
                    values[key] = _choice(words, codes, cells[column])
                except ValueError:
                    self.wrong(
                        line,
                        column,
                        f"「{cells[column]}」は{column}に書けません",
                        f"{cells[column]!r} is not a value of {column}",
                    )
        if values["not_done_reason"] and values["status"] != MeasureStatus.not_done:
            self.wrong(
                line,
                why,
                "未実施の理由は、対策状況が「未実施」のときだけ書けます",
                "a reason for not doing it goes only with the status 未実施",
            )
        return values


@dataclass(frozen=True)
class Imported:
    created: list[int]
    updated: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "sites": sorted(self.created + self.updated),
        }


def _refuse(mistakes: list[Mistake]) -> Refused:
    lines = sorted({m.line for m in mistakes})
    shown = "、".join(f"{n}行目" for n in lines[:10]) + ("ほか" if len(lines) > 10 else "")
    first = mistakes[0]
    return Refused(
        f"取り込めない行があります：{shown}（{first.line}行目 {first.column or ''}："
        f"{first.message_ja}）。何も取り込んでいません。",
        f"rows cannot be imported: line(s) {', '.join(map(str, lines[:10]))} "
        f"(line {first.line} {first.column or ''}: {first.message_en}); nothing was imported",
        status=422,
        type_="/problems/rows-refused",
        errors=[m.as_dict() for m in mistakes],
    )


def import_csv(session: Session, data: bytes, default_year: int | None = None) -> Imported:
    """Every row or none: the caller's transaction is rolled back by the refusal."""
    reader = _Reader(session, default_year)
    rows: list[SheetRow] = []
    seen: dict[tuple[int, int, str], int] = {}
    for line, cells in _records(decoded(data)):
        if len(rows) >= MAX_ROWS:
            raise Refused(
                f"一度に取り込めるのは {MAX_ROWS} 行までです。",
                f"at most {MAX_ROWS} rows at once",
                status=413,
            )
        row = reader.row(line, cells)
        if row is None:
            continue
        key = (row.school_id, row.year, row.number)
        if key in seen:
            reader.wrong(
                line,
                NUMBER,
                f"{seen[key]}行目と同じ学校・年度・箇所番号です",
                f"same school, year and number as line {seen[key]}",
            )
            continue
        seen[key] = line
        rows.append(row)
    if reader.mistakes:
        raise _refuse(reader.mistakes)
    created: list[int] = []
    updated: list[int] = []
    for row in rows:
        try:
            with session.begin_nested():
                site_id, new = _store(session, row)
        except Refused as refused:
            reader.wrong(row.line, None, refused.message_ja, refused.message_en)
            continue
        except DBAPIError as exc:  # outside the city (MM001), a rule of the table
            outside = getattr(exc.orig, "sqlstate", None) == "MM001"
            reader.wrong(
                row.line,
                LON if outside else None,
                "市の区域外の場所です" if outside else "この行は登録できません",
                "the place is outside the city" if outside else "the database refused the row",
            )
            continue
        (created if new else updated).append(site_id)
    if reader.mistakes:
        raise _refuse(reader.mistakes)
    return Imported(created, updated)


def _same_place(session: Session, site: SchoolRouteSite, point: shapely.Geometry) -> bool:
    """The sheet's 経度・緯度 of a line is a point on it: the same point keeps the line."""
    anchor = session.execute(sites.ONE, {"site_id": site.id, "staff": False}).scalar_one()
    lon, lat = float(anchor["properties"]["lon"]), float(anchor["properties"]["lat"])
    return bool(abs(lon - point.x) < 5e-7 and abs(lat - point.y) < 5e-7)


def _store(session: Session, row: SheetRow) -> tuple[int, bool]:
    existing = session.scalar(
        select(SchoolRouteSite)
        .where(
            SchoolRouteSite.school_facility_id == row.school_id,
            SchoolRouteSite.fiscal_year == row.year,
            SchoolRouteSite.number == row.number,
        )
        .with_for_update()
    )
    if existing is None:
        if row.point is None:
            raise Refused("新しい箇所には経度・緯度が必要です", "a new site needs its lon and lat")
        site = sites.create_site(
            session,
            sites.SiteValues(
                school_facility_id=row.school_id,
                fiscal_year=row.year,
                number=row.number,
                geom=row.point,
                address=row.address,
                reasons=row.reasons,
                inspected_on=row.inspected_on,
            ),
        )
        new = True
    else:
        site, new = existing, False
        geom = None
        if row.point is not None and not _same_place(session, site, row.point):
            geom = row.point
        changes = {
            "address": row.address,
            "reasons": [r.value for r in row.reasons],
            "inspected_on": row.inspected_on,
        }
        sites.edit_site(session, site, changes, geom)
    for party, values in row.measures.items():
        sites.set_measure(session, site, party, values)
    return site.id, new
