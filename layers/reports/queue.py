"""The staff's triage queue (通報の処理待ち一覧): reports per department, oldest first so
nothing waits forever, as one GeoJSON FeatureCollection for the map and the list alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.accounts.users import Department
from layers.reports.model import ReportStatus
from layers.store.refusals import Refused

# One statement: the page as a GeoJSON FeatureCollection (map and list from the same
# answer), with the count. Filters are parameters; a NULL parameter leaves a filter off.
QUEUE = text(
    """WITH matched AS (
        SELECT r.* FROM report r
        JOIN report_category c ON c.id = r.category_id
        LEFT JOIN department d ON d.id = r.department_id
        WHERE (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:categories AS text[]) IS NULL OR c.code = ANY(CAST(:categories AS text[])))
          AND (CAST(:department AS text) IS NULL OR d.code = :department
               OR (:department = 'none' AND r.department_id IS NULL))
          AND (CAST(:district AS bigint) IS NULL OR r.district_id = :district
               OR r.district_id IN (SELECT id FROM district WHERE parent_id = :district))
          AND (CAST(:min_age AS int) IS NULL
               OR r.created_at <= now() - make_interval(days => :min_age))
          AND (CAST(:max_age AS int) IS NULL
               OR r.created_at >= now() - make_interval(days => :max_age))
          AND (CAST(:public AS boolean) IS NULL OR r.is_public = :public)
    ), page AS (
        SELECT * FROM matched
        ORDER BY
            CASE WHEN :sort = 'supporters' THEN supporter_count END DESC,
            CASE WHEN :sort = 'newest' THEN created_at END DESC,
            created_at, id
        LIMIT :limit OFFSET :offset)
    SELECT json_build_object(
        'type', 'FeatureCollection',
        'numberMatched', (SELECT count(*) FROM matched),
        'features', coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', p.public_id,
            'geometry', ST_AsGeoJSON(p.geom, 7)::json,
            'properties', json_build_object(
                'public_id', p.public_id, 'status', p.status,
                'category', c.code, 'category_name_ja', c.name_ja,
                'category_name_en', c.name_en, 'icon', c.icon, 'sensitive', c.sensitive,
                'department', d.code, 'department_name', d.name,
                'district', dist.name, 'description', p.description,
                'public_description', p.public_description, 'is_public', p.is_public,
                'supporter_count', p.supporter_count, 'photo_count',
                (SELECT count(*) FROM attachment a
                  WHERE a.subject_layer = 'report' AND a.subject_id = p.id),
                'reopened', EXISTS (SELECT 1 FROM report_status_change s
                  WHERE s.report_id = p.id AND s.by_reporter),
                'age_days', round((extract(epoch FROM now() - p.created_at) / 86400)::numeric, 1),
                'created_at', p.created_at, 'updated_at', p.updated_at))
            ORDER BY
                CASE WHEN :sort = 'supporters' THEN p.supporter_count END DESC,
                CASE WHEN :sort = 'newest' THEN p.created_at END DESC,
                p.created_at, p.id), '[]'::json))::text
    FROM page p
    JOIN report_category c ON c.id = p.category_id
    LEFT JOIN department d ON d.id = p.department_id
    LEFT JOIN district dist ON dist.id = p.district_id"""
)

Sort = Literal["oldest", "newest", "supporters"]


@dataclass(frozen=True)
class QueueFilter:
    statuses: list[str] | None = None  # None: every status
    categories: list[str] | None = None  # category codes
    department: str | None = None  # a department code, "none" (unrouted); None: every one
    district: int | None = None  # the district or any directly inside it
    min_age_days: int | None = None
    max_age_days: int | None = None
    published: bool | None = None
    sort: Sort = "oldest"


def checked_statuses(statuses: list[str] | None) -> list[str] | None:
    unknown = [s for s in statuses or () if s not in ReportStatus.__members__]
    if unknown:
        raise Refused(
            f"状態 {unknown} はありません。",
            f"unknown status {unknown}; use {', '.join(ReportStatus)}",
            status=400,
        )
    return statuses


def own_department(session: Session, department_id: int | None) -> str | None:
    """The department code staff see by default: their own; None (every department) for
    those without one (administrators)."""
    if department_id is None:
        return None
    department = session.get(Department, department_id)
    return department.code if department is not None else None


def queue_json(session: Session, wanted: QueueFilter, limit: int, offset: int) -> str:
    body: str = session.execute(
        QUEUE,
        {
            "statuses": checked_statuses(wanted.statuses),
            "categories": wanted.categories,
            "department": wanted.department,
            "district": wanted.district,
            "min_age": wanted.min_age_days,
            "max_age": wanted.max_age_days,
            "public": wanted.published,
            "sort": wanted.sort,
            "limit": limit,
            "offset": offset,
        },
    ).scalar_one()
    return body
