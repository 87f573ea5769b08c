"""Staff triage (通報の処理): the queue per department, and every step of a report from
first sight to closing it. Only staff of the department a report is routed to (and admins)
act on it; every step is audited by the database trigger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.forms import LongText, json_or_form
from api.media import GEOJSON
from api.openapi import body
from api.pagination import Page, page_params
from api.params import BodyId, QueryId
from api.permissions import Authorized, acting, permit
from api.reports.access import lock, report_access, view_response
from layers.city.hazards import HazardKind
from layers.media.storage import media_store
from layers.policy import Action
from layers.reports import triage as report_triage
from layers.reports.model import (
    HAZARD_TITLE_MAX,
    PUBLIC_ID_MAX,
    RESPONSIBLE_PARTY_MAX,
    Report,
    ReportStatus,
)
from layers.reports.queue import QueueFilter, own_department, queue_json
from layers.reports.triage import PhotoDecision
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api/triage", tags=["triage"])


def _list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


@router.get(
    "/reports",
    summary="通報の処理待ち一覧 / The triage queue",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}},
)
def queue(
    request: Request,
    status: Annotated[str | None, Query(description="comma list, e.g. submitted,accepted")] = None,
    category: Annotated[str | None, Query(description="category codes, comma list")] = None,
    department: Annotated[
        str | None, Query(description="department code, 'all' or 'none'; default: mine")
    ] = None,
    district: QueryId = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    max_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    published: bool | None = None,
    sort: Literal["oldest", "newest", "supporters"] = "oldest",
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.report_read_all),
) -> Response:
    """Oldest first by default, so nothing waits forever; staff see their own department's
    reports unless they ask for ``department=all``."""
    with session_scope() as db:
        if department is None:
            department = own_department(db, auth.actor.department_id)
        wanted = QueueFilter(
            statuses=_list(status),
            categories=_list(category),
            department=None if department == "all" else department,
            district=district,
            min_age_days=min_age_days,
            max_age_days=max_age_days,
            published=published,
            sort=sort,
        )
        body = queue_json(db, wanted, page.limit, page.offset)
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "private, no-store"})


@router.get("/reports/{public_id}", summary="通報の詳細（職員） / A report, as staff see it")
def detail(auth: Authorized = permit(Action.report_read_all, report_access)) -> Response:
    return view_response(auth)


class PhotoChoice(BaseModel):
    id: int
    publish: bool = True
    blur: list[tuple[float, float, float, float]] = Field(default_factory=list, max_length=50)
    blur_all: bool = False


class PublishBody(BaseModel):
    public_description: LongText | None = None
    photos: list[PhotoChoice] = Field(default_factory=list, max_length=50)


def _apply(auth: Authorized, step: Callable[[Session, Report], object]) -> Response:
    """The step runs on the report as locked, once the policy has decided on it as it is
    now: a reassignment committed meanwhile takes the report from the old department."""
    with acting(auth, lock(auth)) as (db, found):
        step(db, found.report)
    return view_response(auth)


async def act(auth: Authorized, step: Callable[[Session, Report], object]) -> Response:
    """Run one step on the locked report, off the event loop (blurring photos is slow)."""
    return await run_in_threadpool(_apply, auth, step)


@router.post(
    "/reports/{public_id}/publish",
    summary="公開する / Publish after moderation",
    openapi_extra=body(PublishBody),
)
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
    public_comment: LongText | None = None
    internal_note: LongText | None = None
    responsible_party: str | None = Field(default=None, max_length=RESPONSIBLE_PARTY_MAX)
    duplicate_of: str | None = Field(default=None, max_length=PUBLIC_ID_MAX)


@router.post(
    "/reports/{public_id}/status",
    summary="状態を変える / Change the status",
    openapi_extra=body(StatusBody),
)
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
    public_comment: LongText | None = None
    internal_note: LongText | None = None


@router.post(
    "/reports/{public_id}/comment",
    summary="コメントする / Comment",
    openapi_extra=body(CommentBody),
)
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


@router.post(
    "/reports/{public_id}/assign",
    summary="担当課を変える / Reassign",
    openapi_extra=body(AssignBody),
)
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

    hazard_id: BodyId | None = None
    kind: HazardKind | None = None
    severity: int = Field(default=2, ge=1, le=4)
    title: str | None = Field(default=None, max_length=HAZARD_TITLE_MAX)


@router.post(
    "/reports/{public_id}/hazard",
    summary="危険箇所にする / Link or create a hazard",
    openapi_extra=body(HazardBody),
)
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
