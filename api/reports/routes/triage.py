"""Staff triage (通報の処理): the queue per department, and every step of a report from
first sight to closing it. Only staff of the department a report is routed to (and admins)
act on it; every step is audited by the database trigger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.forms import json_or_form
from api.pagination import Page, page_params
from api.permissions import Authorized, permit
from api.reports.routes.submission import report_access, view_response
from layers.city.hazards import HazardKind
from layers.media.storage import media_store
from layers.policy import Action
from layers.reports import triage as report_triage
from layers.reports.model import Report, ReportStatus
from layers.reports.triage import PhotoDecision
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api/triage", tags=["triage"])

GEOJSON = "application/geo+json"

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


def _list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


@router.get("/reports", summary="通報の処理待ち一覧 / The triage queue")
def queue(
    request: Request,
    status: Annotated[str | None, Query(description="comma list, e.g. submitted,accepted")] = None,
    category: Annotated[str | None, Query(description="category codes, comma list")] = None,
    department: Annotated[
        str | None, Query(description="department code, 'all' or 'none'; default: mine")
    ] = None,
    district: Annotated[int | None, Query(ge=1)] = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    max_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    published: bool | None = None,
    sort: Literal["oldest", "newest", "supporters"] = "oldest",
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.report_read_all),
) -> Response:
    """Oldest first by default, so nothing waits forever; staff see their own department's
    reports unless they ask for ``department=all``."""
    statuses = _list(status)
    unknown = [s for s in statuses or () if s not in ReportStatus.__members__]
    if unknown:
        raise Refused(
            f"状態 {unknown} はありません。",
            f"unknown status {unknown}; use {', '.join(ReportStatus)}",
            status=400,
        )
    if department is None:
        department = _own_department(auth.actor.department_id)
    with session_scope() as db:
        body = db.execute(
            QUEUE,
            {
                "statuses": statuses,
                "categories": _list(category),
                "department": None if department == "all" else department,
                "district": district,
                "min_age": min_age_days,
                "max_age": max_age_days,
                "public": published,
                "sort": sort,
                "limit": page.limit,
                "offset": page.offset,
            },
        ).scalar_one()
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "private, no-store"})


def _own_department(department_id: int | None) -> str:
    if department_id is None:
        return "all"
    with session_scope() as db:
        code = db.execute(
            text("SELECT code FROM department WHERE id = :id"), {"id": department_id}
        ).scalar()
    return str(code) if code else "all"


@router.get("/reports/{public_id}", summary="通報の詳細（職員） / A report, as staff see it")
def detail(auth: Authorized = permit(Action.report_read_all, report_access)) -> Response:
    return view_response(auth)


def _locked(db: Session, auth: Authorized) -> Report:
    """The report row, locked: two staff acting at once are applied one after the other."""
    row = db.get(Report, auth.resource.report.id, with_for_update=True)
    assert row is not None
    return row


class PhotoChoice(BaseModel):
    id: int
    publish: bool = True
    blur: list[tuple[float, float, float, float]] = Field(default_factory=list, max_length=50)
    blur_all: bool = False


class PublishBody(BaseModel):
    public_description: str | None = Field(default=None, max_length=4000)
    photos: list[PhotoChoice] = Field(default_factory=list, max_length=50)


def _apply(auth: Authorized, step: Callable[[Session, Report], object]) -> Response:
    with session_scope(auth.actor.audit) as db:
        step(db, _locked(db, auth))
    return view_response(auth)


async def act(auth: Authorized, step: Callable[[Session, Report], object]) -> Response:
    """Run one step on the locked report, off the event loop (blurring photos is slow)."""
    return await run_in_threadpool(_apply, auth, step)


@router.post("/reports/{public_id}/publish", summary="公開する / Publish after moderation")
async def publish(
    request: Request, auth: Authorized = permit(Action.report_triage, report_access)
) -> Response:
    """The public text (corrected by staff; the original stays with staff) and, per photo,
    whether to release it and which regions to blur (faces, plates, 表札). Reports of
    sensitive categories are only ever counted per area, never shown."""
    body = await json_or_form(request, PublishBody)
    decisions = [PhotoDecision(p.id, p.publish, p.blur, p.blur_all) for p in body.photos]
    return await act(
        auth,
        lambda db, row: report_triage.publish(
            db, row, body.public_description, decisions, media_store()
        ),
    )


@router.post("/reports/{public_id}/unpublish", summary="非公開にする / Withdraw from the public")
async def unpublish(auth: Authorized = permit(Action.report_triage, report_access)) -> Response:
    return await act(auth, lambda db, row: report_triage.unpublish(row))


class StatusBody(BaseModel):
    status: ReportStatus
    public_comment: str | None = Field(default=None, max_length=4000)
    internal_note: str | None = Field(default=None, max_length=4000)
    responsible_party: str | None = Field(default=None, max_length=200)
    duplicate_of: str | None = Field(default=None, max_length=20)


@router.post("/reports/{public_id}/status", summary="状態を変える / Change the status")
async def change_status(
    request: Request, auth: Authorized = permit(Action.report_triage, report_access)
) -> Response:
    """Closing says why: ``duplicate_of`` (a reference), ``responsible_party`` (whose it is:
    the road's manager, the police, the 自治会 owning the light) or a ``public_comment`` giving
    the reason for a rejection. The reporter is told if they asked to be."""
    body = await json_or_form(request, StatusBody)
    return await act(
        auth,
        lambda db, row: report_triage.change_status(
            db,
            row,
            body.status,
            public_comment=body.public_comment,
            internal_note=body.internal_note,
            responsible_party=body.responsible_party,
            duplicate_of=body.duplicate_of,
            actor_user_id=auth.actor.user_id,
        ),
    )


class CommentBody(BaseModel):
    public_comment: str | None = Field(default=None, max_length=4000)
    internal_note: str | None = Field(default=None, max_length=4000)


@router.post("/reports/{public_id}/comment", summary="コメントする / Comment")
async def comment(
    request: Request, auth: Authorized = permit(Action.report_triage, report_access)
) -> Response:
    body = await json_or_form(request, CommentBody)
    return await act(
        auth,
        lambda db, row: report_triage.comment(
            db, row, body.public_comment, body.internal_note, auth.actor.user_id
        ),
    )


class AssignBody(BaseModel):
    department: str = Field(min_length=1, max_length=40)


@router.post("/reports/{public_id}/assign", summary="担当課を変える / Reassign")
async def assign(
    request: Request, auth: Authorized = permit(Action.report_triage, report_access)
) -> Response:
    body = await json_or_form(request, AssignBody)
    return await act(
        auth,
        lambda db, row: report_triage.reassign(db, row, body.department, auth.actor.user_id),
    )


class HazardBody(BaseModel):
    """Link to an existing hazard (``hazard_id``), or create one from the report."""

    hazard_id: int | None = Field(default=None, ge=1)
    kind: HazardKind | None = None
    severity: int = Field(default=2, ge=1, le=4)
    title: str | None = Field(default=None, max_length=200)


@router.post("/reports/{public_id}/hazard", summary="危険箇所にする / Link or create a hazard")
async def hazard(
    request: Request, auth: Authorized = permit(Action.report_triage, report_access)
) -> Response:
    body = await json_or_form(request, HazardBody)
    if body.hazard_id is not None and body.kind is None:
        hazard_id = body.hazard_id
        return await act(auth, lambda db, row: report_triage.link_hazard(db, row, hazard_id))
    if body.kind is not None and body.hazard_id is None:
        kind = body.kind
        return await act(
            auth,
            lambda db, row: report_triage.create_hazard(db, row, kind, body.severity, body.title),
        )
    raise Refused(
        "hazard_id（既存の危険箇所）か kind（新しく作る）のどちらか一方を指定してください。",
        "give either hazard_id (an existing hazard) or kind (to create one)",
        status=400,
    )
