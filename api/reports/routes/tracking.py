"""One report after it was sent: its status and history as each audience may see it, the
reporter's way back through the tracking link (photos added later, "not actually fixed"),
「私も困っています」 from others, the photos, and the page the e-mailed link opens (built by
Vite: web/track.html)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.forms import LongText, json_or_form
from api.openapi import body, upload
from api.params import PathId
from api.permissions import Authorized, acting, permit
from api.photos import PRIVATE, photo_response
from api.reports.access import (
    audience,
    cache_control,
    lock,
    report_access,
    view_response,
)
from api.uploads import read_photo_form, run_intake
from api.web.assets import built_page
from layers.policy import Action
from layers.reports import intake, tracking
from layers.reports import support as supporters
from layers.reports.access import not_found
from layers.reports.view import Audience, photo_file
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["reports"])

DEVICE_HEADER = "X-Device-Id"


@router.get("/api/reports/{public_id}", summary="通報の状況 / A report and its history")
def report(auth: Authorized = permit(Action.report_read, report_access)) -> Response:
    """The public sees published reports; the reporter (signed in, or with the tracking
    token in ``X-Tracking-Token`` or ``?token=``) also sees what they sent; staff see all."""
    return view_response(auth)


class SupportBody(BaseModel):
    device_id: str | None = Field(default=None, min_length=8, max_length=200)


@router.post(
    "/api/reports/{public_id}/support",
    summary="私も困っています / Support a report",
    openapi_extra=body(SupportBody, required=False),
)
async def support(
    request: Request, auth: Authorized = permit(Action.report_support, report_access)
) -> dict[str, Any]:
    """One support per account, or per device (``X-Device-Id`` header or ``device_id``) for
    people who are not signed in."""
    body = (
        await json_or_form(request, SupportBody)
        if request.headers.get("content-length", "0") != "0"
        else SupportBody()
    )
    key = supporters.supporter_key(
        auth.actor.user_id, request.headers.get(DEVICE_HEADER) or body.device_id
    )
    if key is None:
        raise Refused(
            "ログインするか、端末ID（X-Device-Id）を送ってください。",
            "sign in, or send a device id (X-Device-Id header or device_id)",
            status=400,
        )
    count, added = await run_in_threadpool(_support, auth, key)
    return {"public_id": auth.resource.report.public_id, "supporter_count": count, "added": added}


def _support(auth: Authorized, key: str) -> tuple[int, bool]:
    with acting(auth, lock(auth)) as (db, found):
        return supporters.support(db, found.report, key)


@router.post(
    "/api/reports/{public_id}/photos",
    openapi_extra=upload("photos", get_settings().photo_max_count),
    status_code=201,
    summary="写真を追加する / Add photos to my report",
)
async def add_photos(
    request: Request, auth: Authorized = permit(Action.report_follow_up, report_access)
) -> Response:
    allowed = get_settings().photo_max_count
    raw = (await read_photo_form(request, "photos", allowed + 1, max_fields=10))[1]
    if not raw:
        raise Refused("写真（photos）を添付してください。", "attach files as `photos`", status=400)
    await run_intake(_add_photos, raw, auth)
    return await run_in_threadpool(view_response, auth, 201)


def _add_photos(raw: list[bytes], auth: Authorized) -> None:
    stored = intake.stored_photos(raw)  # before the transaction: no row lock waits on decoding
    with acting(auth, lock(auth)) as (db, found):
        intake.add_photos(db, found.report, stored, auth.actor.user_id)


class ReopenBody(BaseModel):
    note: LongText | None = None


@router.post(
    "/api/reports/{public_id}/reopen",
    openapi_extra=body(ReopenBody, required=False),
    summary="まだ直っていない / Not actually fixed: reopen my report",
)
async def reopen(
    request: Request, auth: Authorized = permit(Action.report_follow_up, report_access)
) -> Response:
    body = (
        await json_or_form(request, ReopenBody)
        if request.headers.get("content-length", "0") != "0"
        else ReopenBody()
    )
    return await run_in_threadpool(_reopen, auth, body.note)


def _reopen(auth: Authorized, note: str | None) -> Response:
    with acting(auth, lock(auth)) as (db, found):
        tracking.reopen(db, found.report, note, auth.actor.user_id)
    return view_response(auth)


# --- photos -----------------------------------------------------------------------------------


def _photo(auth: Authorized, photo_id: int, thumbnail: bool) -> Response:
    who = audience(auth)
    with session_scope() as db:
        found = photo_file(db, auth.resource.report.id, photo_id, who, thumbnail)
    if found is None:
        raise not_found(auth.resource.report.public_id)
    cache = "public, max-age=86400" if who == Audience.public else PRIVATE
    return photo_response(found, cache, vary=None)


@router.get("/api/reports/{public_id}/photos/{photo_id}", summary="通報の写真 / A report's photo")
def photo(
    photo_id: PathId, auth: Authorized = permit(Action.report_read, report_access)
) -> Response:
    return _photo(auth, photo_id, thumbnail=False)


@router.get(
    "/api/reports/{public_id}/photos/{photo_id}/thumbnail",
    summary="通報の写真（縮小） / A report's photo, small",
)
def thumbnail(
    photo_id: PathId, auth: Authorized = permit(Action.report_read, report_access)
) -> Response:
    return _photo(auth, photo_id, thumbnail=True)


# --- the page the tracking link opens ---------------------------------------------------------


@router.get(
    "/reports/{public_id}",
    summary="通報の状況（ページ） / A report's tracking page",
    response_class=HTMLResponse,
)
def tracking_page(
    request: Request, auth: Authorized = permit(Action.report_read, report_access)
) -> Response:
    """The page the tracking link opens (web/track.html): its script reads the report from
    GET /api/reports/{public_id} with the same token. The page itself holds nothing of the
    report, but it is answered only to whoever may read it, and never from a shared cache
    for a reporter (the address carries their token)."""
    return built_page(request, "track.html", cache_control(audience(auth)))
