"""What is due (点検期限): one row per subject and active kind with an interval, its last
inspection, when the next one falls due, and whether that is overdue, due soon, never done
or fine, for the staff's board (map, table and CSV).

The subjects of a kind are those it applies to and that are in use:
- ``facility_building``: every building in use (of the kind's facility kinds, if it names any);
- ``facility``: every facility of the kind's ``subject_kinds`` (all facilities if empty);
  play equipment is named with its park (unless its name starts with it), since "ブランコ"
  alone says nothing on a list;
- ``school_route_site``: every 通学路合同点検 site.
Kinds of any other subject layer (hazards, or any layer) are left off the board: they
inspect whatever comes up, so nothing in those layers is ever "due".

Next due is the latest inspection's stored ``next_due`` (fixed when it was recorded, so a
kind's interval changed later does not move past deadlines); an inspection recorded late
counts from the day it was done (``inspected_on``), not from when it was typed in. A last
inspection stored without one (its kind had no interval then) counts from the kind's
interval now. "Today" is a parameter: the API passes the city's date."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from layers.inspections.school_routes.spreadsheet import text_cell
from layers.store.refusals import ParameterRefused

Status = Literal["overdue", "due_soon", "never", "ok"]
STATUSES: tuple[Status, ...] = ("overdue", "due_soon", "never", "ok")
# What the board shows unless asked: what needs doing.
DEFAULT_STATUSES: tuple[Status, ...] = ("overdue", "due_soon", "never")
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "overdue": ("期限切れ", "overdue"),
    "due_soon": ("期限間近", "due soon"),
    "never": ("未点検", "never inspected"),
    "ok": ("期限内", "not yet due"),
}
Sort = Literal["next_due", "-next_due", "subject", "kind", "department"]
SORTS: tuple[Sort, ...] = ("next_due", "-next_due", "subject", "kind", "department")

# The never-inspected come first under next_due: nobody knows their state at all.
_TIE = "next_due ASC NULLS FIRST, name, kind, layer, subject_id"
_ORDER: dict[Sort, str] = {
    "next_due": _TIE,
    "-next_due": "next_due DESC NULLS LAST, name, kind, layer, subject_id",
    "subject": "name, facility_id, kind_name_ja, " + _TIE,
    "kind": "kind_name_ja, kind, " + _TIE,
    "department": "department_name NULLS LAST, department_id, " + _TIE,
}

# Every (subject, kind) pair with its last inspection, judged against :today. Filters are
# parameters; a NULL parameter leaves a filter off. The latest inspection is found by the
# index ix_inspection_latest (subject, kind, inspected_on DESC, id DESC).
_BOARD = """
WITH RECURSIVE area AS (
    SELECT id FROM district WHERE id = CAST(:district AS bigint)
    UNION ALL
    SELECT d.id FROM district d JOIN area a ON d.parent_id = a.id
), kinds AS (
    SELECT k.code, k.name_ja, k.name_en, k.interval_months, k.subject_layer,
        k.subject_kinds, k.department_id
    FROM inspection_kind k
    WHERE k.active AND k.interval_months IS NOT NULL
      AND (CAST(:kind AS text) IS NULL OR k.code = :kind)
), subjects AS (
    SELECT 'facility_building'::text AS layer, b.id AS subject_id, k.code AS kind,
        f.name || ' ' || b.name AS name, b.name AS unit_name,
        f.id AS facility_id, f.name AS facility_name,
        f.department_id AS facility_department_id, f.district_id, f.geom AS place
    FROM kinds k
    JOIN facility_building b ON k.subject_layer = 'facility_building' AND b.in_use
    JOIN facility f ON f.id = b.facility_id
    WHERE cardinality(k.subject_kinds) = 0 OR f.kind = ANY(k.subject_kinds)
    UNION ALL
    SELECT 'facility', f.id, k.code,
        CASE WHEN p.id IS NULL OR starts_with(f.name, p.name) THEN f.name
             ELSE p.name || ' ' || f.name END,
        CASE WHEN starts_with(f.name, p.name || ' ') THEN substr(f.name, length(p.name) + 2)
             ELSE f.name END,
        coalesce(p.id, f.id), coalesce(p.name, f.name),
        coalesce(f.department_id, p.department_id), f.district_id, f.geom
    FROM kinds k
    JOIN facility f ON k.subject_layer = 'facility'
        AND (cardinality(k.subject_kinds) = 0 OR f.kind = ANY(k.subject_kinds))
    LEFT JOIN facility p ON p.id = f.parent_facility_id
    UNION ALL
    SELECT 'school_route_site', s.id, k.code,
        sch.name || ' 箇所' || s.number, '箇所' || s.number,
        sch.id, sch.name, sch.department_id, s.district_id, ST_PointOnSurface(s.geom)
    FROM kinds k
    JOIN school_route_site s ON k.subject_layer = 'school_route_site'
    JOIN facility sch ON sch.id = s.school_facility_id
), due AS (
    SELECT s.*, k.name_ja AS kind_name_ja, k.name_en AS kind_name_en,
        coalesce(k.department_id, s.facility_department_id) AS department_id,
        last.id AS last_id, last.inspected_on AS last_on, last.overall_grade AS last_grade,
        coalesce(last.next_due,
            (last.inspected_on + make_interval(months => k.interval_months))::date) AS next_due
    FROM subjects s
    JOIN kinds k ON k.code = s.kind
    LEFT JOIN LATERAL (
        SELECT i.id, i.inspected_on, i.overall_grade, i.next_due FROM inspection i
        WHERE i.subject_layer = s.layer AND i.subject_id = s.subject_id AND i.kind = s.kind
        ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1
    ) last ON true
), judged AS (
    SELECT u.*, dep.name AS department_name, dep.name_en AS department_name_en,
        CASE WHEN u.last_id IS NULL THEN 'never'
             WHEN u.next_due < CAST(:today AS date) THEN 'overdue'
             WHEN u.next_due <= CAST(:today AS date) + CAST(:soon AS int) THEN 'due_soon'
             ELSE 'ok' END AS status,
        CASE WHEN u.next_due < CAST(:today AS date)
             THEN CAST(:today AS date) - u.next_due END AS days_overdue
    FROM due u
    LEFT JOIN department dep ON dep.id = u.department_id
    WHERE (CAST(:department AS bigint) IS NULL OR u.department_id = :department)
      AND (CAST(:district AS bigint) IS NULL OR u.district_id IN (SELECT id FROM area))
), chosen AS (
    SELECT * FROM judged WHERE status = ANY(CAST(:statuses AS text[]))
)"""

_ITEM = """json_build_object(
    'subject', json_build_object('layer', layer, 'id', subject_id, 'name', name,
        'facility_id', facility_id, 'facility_name', facility_name),
    'kind', json_build_object('code', kind, 'name_ja', kind_name_ja, 'name_en', kind_name_en),
    'department', CASE WHEN department_id IS NOT NULL THEN json_build_object(
        'id', department_id, 'name_ja', department_name, 'name_en', department_name_en) END,
    'last', CASE WHEN last_id IS NOT NULL THEN json_build_object(
        'id', last_id, 'inspected_on', last_on, 'overall_grade', last_grade) END,
    'next_due', next_due, 'status', status, 'days_overdue', days_overdue)"""

_FEATURE = f"""json_build_object(
    'type', 'Feature', 'id', layer || '/' || subject_id || '/' || kind,
    'geometry', ST_AsGeoJSON(place, 7)::json,
    'properties', {_ITEM})"""

Shape = Literal["items", "features"]


@cache
def page_statement(sort: Sort, shape: Shape) -> TextClause:
    """One page as JSON, with the count matched and the counts per status for the same
    filters (every status, so the board's tabs show what each holds)."""
    order = _ORDER[sort]
    item = _ITEM if shape == "items" else _FEATURE
    return text(
        _BOARD
        + f""", page AS (
    SELECT * FROM chosen ORDER BY {order} LIMIT :limit OFFSET :offset
)
SELECT json_build_object(
    'matched', (SELECT count(*) FROM chosen),
    'counts', (SELECT json_build_object(
        'overdue', count(*) FILTER (WHERE status = 'overdue'),
        'due_soon', count(*) FILTER (WHERE status = 'due_soon'),
        'never', count(*) FILTER (WHERE status = 'never'),
        'ok', count(*) FILTER (WHERE status = 'ok')) FROM judged),
    'items', coalesce((SELECT json_agg({item} ORDER BY {order}) FROM page), '[]'::json)
)::text"""
    )


@cache
def rows_statement(sort: Sort) -> TextClause:
    """Every chosen row, for the CSV (read as a stream)."""
    return text(
        _BOARD
        + f"""
SELECT facility_name, unit_name, kind_name_ja, department_name, last_on, last_grade,
    next_due, status, days_overdue
FROM chosen ORDER BY {_ORDER[sort]}"""
    )


@dataclass(frozen=True)
class Filters:
    department: int | None = None
    kind: str | None = None
    district: int | None = None
    statuses: tuple[Status, ...] = DEFAULT_STATUSES
    sort: Sort = "next_due"


@dataclass(frozen=True)
class Board:
    items: list[dict[str, Any]]  # rows, or GeoJSON Features with the row as properties
    matched: int
    counts: dict[str, int]


def parse_statuses(values: list[str]) -> tuple[Status, ...]:
    """``status=overdue,never`` or repeated; ``all`` for every status."""
    wanted = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if not wanted:
        return DEFAULT_STATUSES
    if "all" in wanted:
        return STATUSES
    unknown = [w for w in wanted if w not in STATUSES]
    if unknown:
        raise ParameterRefused(
            "status",
            f"状況 {', '.join(unknown)} はありません（overdue, due_soon, never, ok, all）。",
            f"unknown status {', '.join(unknown)}; use overdue, due_soon, never, ok or all",
        )
    return tuple(s for s in STATUSES if s in wanted)


_EXISTS = {
    "kind": text("SELECT EXISTS (SELECT 1 FROM inspection_kind WHERE code = :value)"),
    "department": text("SELECT EXISTS (SELECT 1 FROM department WHERE id = :value)"),
    "district": text("SELECT EXISTS (SELECT 1 FROM district WHERE id = :value)"),
}
_UNKNOWN = {
    "kind": ("点検種別", "inspection kind"),
    "department": ("部署", "department"),
    "district": ("地区", "district"),
}


def check_filters(session: Session, filters: Filters) -> None:
    """A filter naming nothing is refused: an empty board would read as "nothing due"."""
    for name in ("kind", "department", "district"):
        value = getattr(filters, name)
        if value is not None and not session.execute(_EXISTS[name], {"value": value}).scalar():
            ja, en = _UNKNOWN[name]
            raise ParameterRefused(name, f"{ja} {value} は見つかりません。", f"no {en} {value!r}")


def _params(filters: Filters, today: date, soon_days: int) -> dict[str, Any]:
    return {
        "department": filters.department,
        "kind": filters.kind,
        "district": filters.district,
        "statuses": list(filters.statuses),
        "today": today,
        "soon": soon_days,
    }


def board(
    session: Session,
    filters: Filters,
    *,
    today: date,
    soon_days: int,
    limit: int,
    offset: int,
    shape: Shape = "items",
) -> Board:
    check_filters(session, filters)
    body = session.execute(
        page_statement(filters.sort, shape),
        {**_params(filters, today, soon_days), "limit": limit, "offset": offset},
    ).scalar_one()
    found = json.loads(body)
    return Board(found["items"], found["matched"], found["counts"])


CSV_COLUMNS = (
    "施設名",
    "棟名",
    "点検種別",
    "担当部署",
    "前回点検日",
    "前回評価",
    "次回期限",
    "状況",
    "超過日数",
)


def csv_lines(session: Session, filters: Filters, *, today: date, soon_days: int) -> Iterator[str]:
    """The board as CSV text, a header and then a line per row as the rows arrive: UTF-8
    with a BOM (so Excel reads the Japanese), CRLF, every chosen row (no pages)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(cells: list[Any]) -> str:
        writer.writerow([text_cell(c) for c in cells])
        value = out.getvalue()
        out.seek(0)
        out.truncate()
        return value

    yield "\ufeff" + line(list(CSV_COLUMNS))
    found = session.execute(
        rows_statement(filters.sort),
        _params(filters, today, soon_days),
        execution_options={"stream_results": True, "yield_per": 500},
    )
    for facility, unit, kind, department, last_on, grade, next_due, status, days in found:
        yield line(
            [
                facility,
                unit,
                kind,
                department,
                last_on,
                grade,
                next_due,
                STATUS_LABELS[status][0],
                days,
            ]
        )
