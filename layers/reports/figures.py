"""Response-time figures for the staff dashboard, per department, per category and overall,
computed by PostgreSQL in one statement.

Which reports: those created (``report.created_at``) from ``since`` to ``until``, both whole
days in Japan time and both inclusive, optionally only those routed to one department (the
report's own ``department_id``, which staff may have changed from the category's).

The figures of each group (``FIGURES`` below):

- ``reports``: how many reports.
- ``median_days_to_accepted``: the median, over the reports that were ever taken up, of the
  days from submission to the first status change into ``accepted`` or any later state
  (``in_progress``, ``resolved``, ``closed_*``, ``rejected``). A report resolved or rejected
  straight from ``submitted`` was taken up at that moment. ``reached_accepted`` says how
  many reports the median is over.
- ``median_days_to_resolved``: the median, over the reports that were ever resolved, of the
  days from submission to the first change into ``resolved`` (a reopened report keeps its
  first resolution). ``reached_resolved`` says how many.
- Medians are days with one decimal (24-hour days, not calendar days), null when no report
  of the group reached the state.
- ``open``: how many are open now (``submitted``, ``accepted``, ``in_progress``).
- ``open_by_age``: the open ones by whole days elapsed since submission, now:
  ``days_0_7`` (under 8 days), ``days_8_30``, ``days_31_90`` and ``days_over_90`` (91 or
  more).

Departments and categories appear when at least one report of the period belongs to them;
reports routed to no department form a group with a null ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.reports.model import OPEN_STATUSES, ReportStatus
from layers.serving.features import JST
from layers.store.refusals import Refused

# The states that mean staff took the report up; everything after "submitted".
TAKEN_UP = sorted(s.value for s in ReportStatus if s != ReportStatus.submitted)
OPEN = sorted(s.value for s in OPEN_STATUSES)

# The same figures for every group; ``g`` is a row of ``grouped``.
FIGURES = """'reports', g.reports,
    'median_days_to_accepted', g.median_accepted,
    'reached_accepted', g.reached_accepted,
    'median_days_to_resolved', g.median_resolved,
    'reached_resolved', g.reached_resolved,
    'open', g.open,
    'open_by_age', json_build_object(
        'days_0_7', g.open_0_7, 'days_8_30', g.open_8_30,
        'days_31_90', g.open_31_90, 'days_over_90', g.open_over_90)"""

# GROUPING SETS aggregate the overall block, the departments and the categories in one pass.
FIGURES_SQL = text(f"""
WITH chosen AS (
    SELECT id, code, name, name_en FROM department WHERE code = CAST(:department AS text)
),
base AS (
    SELECT r.department_id, r.category_id,
           r.status = ANY(CAST(:open AS text[])) AS is_open,
           extract(epoch FROM ch.taken_up_at - r.created_at) / 86400 AS to_accepted,
           extract(epoch FROM ch.resolved_at - r.created_at) / 86400 AS to_resolved,
           floor(extract(epoch FROM now() - r.created_at) / 86400) AS age
      FROM report r
      LEFT JOIN LATERAL (
          SELECT min(c.created_at) FILTER (
                     WHERE c.to_status = ANY(CAST(:taken_up AS text[]))) AS taken_up_at,
                 min(c.created_at) FILTER (WHERE c.to_status = 'resolved') AS resolved_at
            FROM report_status_change c
           WHERE c.report_id = r.id) ch ON true
     WHERE r.created_at >= coalesce(CAST(:since AS timestamptz), '-infinity')
       AND r.created_at < coalesce(CAST(:before AS timestamptz), 'infinity')
       AND (CAST(:department AS text) IS NULL OR r.department_id = (SELECT id FROM chosen))
),
grouped AS (
    SELECT GROUPING(department_id) AS all_departments,
           GROUPING(category_id) AS all_categories,
           department_id, category_id,
           count(*) AS reports,
           count(to_accepted) AS reached_accepted,
           round(CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY to_accepted) AS numeric), 1)
               AS median_accepted,
           count(to_resolved) AS reached_resolved,
           round(CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY to_resolved) AS numeric), 1)
               AS median_resolved,
           count(*) FILTER (WHERE is_open) AS open,
           count(*) FILTER (WHERE is_open AND age <= 7) AS open_0_7,
           count(*) FILTER (WHERE is_open AND age BETWEEN 8 AND 30) AS open_8_30,
           count(*) FILTER (WHERE is_open AND age BETWEEN 31 AND 90) AS open_31_90,
           count(*) FILTER (WHERE is_open AND age > 90) AS open_over_90
      FROM base
     GROUP BY GROUPING SETS ((), (department_id), (category_id))
)
SELECT CAST(:department AS text) IS NULL OR EXISTS (SELECT 1 FROM chosen) AS known,
       CAST(json_build_object(
    'since', CAST(:since_day AS text),
    'until', CAST(:until_day AS text),
    'time_zone', 'Asia/Tokyo',
    'department', (SELECT json_build_object('code', code, 'name_ja', name, 'name_en', name_en)
                     FROM chosen),
    'generated_at', now(),
    'overall', (SELECT json_build_object({FIGURES}) FROM grouped g
                 WHERE g.all_departments = 1 AND g.all_categories = 1),
    'by_department', (SELECT coalesce(json_agg(json_build_object(
            'code', d.code,
            'name_ja', coalesce(d.name, '担当課なし'),
            'name_en', CASE WHEN d.id IS NULL THEN 'No department' ELSE d.name_en END,
            {FIGURES}) ORDER BY d.code NULLS LAST), '[]'::json)
        FROM grouped g LEFT JOIN department d ON d.id = g.department_id
       WHERE g.all_departments = 0),
    'by_category', (SELECT coalesce(json_agg(json_build_object(
            'code', rc.code, 'name_ja', rc.name_ja, 'name_en', rc.name_en,
            'sensitive', rc.sensitive,
            {FIGURES}) ORDER BY rc.sort_order, rc.code), '[]'::json)
        FROM grouped g JOIN report_category rc ON rc.id = g.category_id
       WHERE g.all_categories = 0)) AS text) AS body
""")


@dataclass(frozen=True)
class FiguresQuery:
    since: date | None = None
    until: date | None = None
    department: str | None = None


def parse_day(parameter: str, value: str | None) -> date | None:
    if value is None or value.strip() == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(
            f"{parameter} の日付 {value!r} が読めません（例: 2026-04-01）。",
            f"{parameter}: {value!r} is not an ISO date (e.g. 2026-04-01)",
            status=400,
        ) from None


def figures_query(since: str | None, until: str | None, department: str | None) -> FiguresQuery:
    """The request's parameters, checked; Refused (400) says what is wrong."""
    first, last = parse_day("since", since), parse_day("until", until)
    if first is not None and last is not None and first > last:
        raise Refused(
            f"since（{first}）が until（{last}）より後になっています。",
            f"since ({first}) is after until ({last})",
            status=400,
        )
    code = department.strip() if department is not None and department.strip() else None
    return FiguresQuery(first, last, code)


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST)


def figures_json(db: Session, q: FiguresQuery) -> str:
    """The figures as JSON text; Refused (400) for a department code that does not exist."""
    params: dict[str, Any] = {
        "department": q.department,
        "open": OPEN,
        "taken_up": TAKEN_UP,
        "since": _start_of(q.since) if q.since else None,
        "before": _start_of(q.until + timedelta(days=1)) if q.until else None,
        "since_day": q.since.isoformat() if q.since else None,
        "until_day": q.until.isoformat() if q.until else None,
    }
    known, body = db.execute(FIGURES_SQL, params).one()
    if not known:
        raise Refused(
            f"部署コード {q.department!r} はありません。",
            f"no department with the code {q.department!r}",
            status=400,
        )
    return str(body)
