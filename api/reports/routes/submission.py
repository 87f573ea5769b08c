"""Residents' reports (通報): submission with photos, duplicates
nearby and 「私も困っています」, and the reporter's tracking link (status, photos added later,
"not actually fixed")."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from html import escape
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.forms import json_or_form, validated
from api.groups.routes.safety_maps import geometry_input
from api.pages import page
from api.permissions import Authorized, permit
from layers.accounts.audit import AuditActor
from layers.media.photos import photo_gps
from layers.media.storage import media_store
from layers.policy import Action, is_reporter
from layers.reports import support as report_support
from layers.reports import tracking as report_tracking
from layers.reports.intake import (
    Contact,
    NewReport,
    Submitted,
    attach_photos,
    checked_photos,
    prepare,
    put_files,
    submit,
)
from layers.reports.model import LocationSource, Report, ReportAccess, ReportCategory, ReportSource
from layers.reports.view import Audience, report_json
from layers.store.base import POINT_LINE_AREA
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["reports"])
T = TypeVar("T")

JSON = "application/json"
TOKEN_HEADER = "X-Tracking-Token"
DEVICE_HEADER = "X-Device-Id"


# --- submission ------------------------------------------------------------------------------


class Submission(BaseModel):
    """The fields of a report, from a form (the web app, phones) or JSON (programs)."""

    category: str = Field(min_length=1, max_length=40)
    description: str = Field(max_length=4000)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    # A line or an area ("this whole stretch of road"), GeoJSON, instead of lat/lon.
    geometry: dict[str, Any] | None = None
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    location_source: LocationSource = LocationSource.other
    # No pin yet: take the location from the first photo's GPS (read before stripping).
    use_photo_location: bool = False
    contact_name: str | None = Field(default=None, max_length=100)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    notify: bool = False
    consent_publish: bool = False
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=200)

    @field_validator("geometry", mode="before")
    @classmethod
    def _geometry_text(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():  # a form field carries GeoJSON text
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("geometry is not GeoJSON") from None
        return value or None


async def read_photo_form(
    request: Request, field: str, max_files: int, max_fields: int
) -> tuple[dict[str, str], list[bytes]]:
    """A multipart form's text fields and the files sent as ``field``. The size is checked
    from Content-Length before anything is read (at most a full report's photos), and file
    by file after."""
    settings = get_settings()
    ceiling = settings.photo_max_count * settings.photo_max_bytes + 1_000_000
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > ceiling:
        raise Refused(
            f"送信データが大きすぎます（上限 {ceiling // 1_000_000} MB）。",
            f"the upload is larger than {ceiling // 1_000_000} MB",
            status=413,
        )
    try:
        form = await request.form(max_files=max_files, max_fields=max_fields)
    except Exception as exc:  # python-multipart's own limits and malformed bodies
        raise Refused(
            "フォームの内容を読み取れません。", f"unreadable form data: {exc}", status=400
        ) from None
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    photos = []
    for name, upload in form.multi_items():
        if name != field or not isinstance(upload, UploadFile):
            continue
        if upload.size is not None and upload.size > settings.photo_max_bytes:
            raise Refused(
                f"写真が大きすぎます（上限 {settings.photo_max_bytes // 1_048_576} MB）。",
                f"a photo is larger than {settings.photo_max_bytes // 1_048_576} MB",
                status=413,
            )
        photos.append(await upload.read())
    return fields, photos


async def read_submission(request: Request) -> tuple[Submission, list[bytes]]:
    """A multipart form with ``photos`` files, or JSON without photos."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await json_or_form(request, Submission), []
    # One file more than allowed still parses, so the answer can say how many are allowed.
    allowed = get_settings().photo_max_count
    fields, photos = await read_photo_form(request, "photos", allowed + 1, max_fields=50)
    return validated(Submission, fields), photos


def _location(body: Submission, photos: list[bytes]) -> tuple[shapely.Geometry, LocationSource]:
    if body.geometry is not None:
        return geometry_input(body.geometry, POINT_LINE_AREA), body.location_source
    if body.lat is not None and body.lon is not None:
        return shapely.Point(body.lon, body.lat), body.location_source
    if body.use_photo_location and photos:
        found = photo_gps(photos[0])
        if found is not None:
            return shapely.Point(*found), LocationSource.photo
        raise Refused(
            "写真に位置情報がありません。地図で場所を指定してください。",
            "the photo carries no GPS position; place the report on the map",
            status=422,
        )
    raise Refused(
        "場所を指定してください（lat と lon、または geometry）。",
        "give the location: lat and lon, or a GeoJSON geometry",
        status=400,
    )


def submitted_json(result: Submitted) -> dict[str, Any]:
    base = f"/api/reports/{result.public_id}"
    token = result.tracking_token
    return {
        "public_id": result.public_id,
        "tracking_token": token,
        "tracking_url": report_tracking.tracking_url(result.public_id, token),
        "url": base,
        "status": "submitted",
        "photos": [
            {
                "id": pid,
                "url": f"{base}/photos/{pid}?token={token}",
                "thumbnail_url": f"{base}/photos/{pid}/thumbnail?token={token}",
            }
            for pid in result.photo_ids
        ],
        "replayed": result.replayed,
    }


@router.post("/api/reports", status_code=201, summary="通報する / Submit a report")
async def submit_report(
    request: Request, auth: Authorized = permit(Action.report_submit)
) -> Response:
    """Category, description, a point (lat/lon) or a line/area (GeoJSON ``geometry``),
    optional photos (``photos`` files in a multipart form) and an optional contact that only
    the city's staff see. Send an ``Idempotency-Key`` header (or ``idempotency_key`` field):
    a retry answers with the first submission's result, never a second report."""
    body, photos = await read_submission(request)
    key = request.headers.get("idempotency-key") or body.idempotency_key
    if key is not None and not 8 <= len(key) <= 200:
        raise Refused(
            "Idempotency-Key は8〜200文字にしてください。",
            "Idempotency-Key must be 8–200 characters",
            status=400,
        )
    geometry, source = _location(body, photos)
    new = NewReport(
        category=body.category,
        description=body.description,
        geometry=geometry,
        location_source=source,
        accuracy_m=body.accuracy_m,
        contact=Contact(body.contact_name, body.contact_email, body.contact_phone, body.notify),
        consent_publish=body.consent_publish,
        photos=photos,
        source=ReportSource.web if auth.caller.via == "session" else ReportSource.api,
        reporter_user_id=auth.actor.user_id,
        idempotency_key=key,
    )
    result = await run_intake(intake, new, auth.actor.audit)
    headers = {"Location": f"/api/reports/{result.public_id}", "Cache-Control": "no-store"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        json.dumps(submitted_json(result), ensure_ascii=False),
        status_code=201,
        media_type=JSON,
        headers=headers,
    )


@functools.lru_cache(maxsize=1)
def _intake_slots(count: int) -> asyncio.Semaphore:
    return asyncio.Semaphore(count)


async def run_intake(fn: Callable[..., T], *args: Any) -> T:
    """Run a submission off the event loop, a few at a time per process. A burst of uploads
    would otherwise fill the threadpool with threads waiting for a photo decoder, and every
    other request (the map's reads) would wait behind them."""
    async with _intake_slots(get_settings().photo_decoders + 2):
        return await run_in_threadpool(fn, *args)


def intake(new: NewReport, audit: AuditActor | None) -> Submitted:
    """Run through run_intake: the photos are decoded and written before a connection is
    taken, then one short transaction (the web form, the API and Open311 alike)."""
    ready = prepare(new, media_store())
    with session_scope(audit) as db:
        return submit(db, ready)


@router.post(
    "/api/reports/photo-location",
    summary="写真の位置情報 / The location a photo was taken at",
)
async def photo_location(
    request: Request, _: Authorized = permit(Action.report_submit)
) -> dict[str, Any]:
    """Reads the GPS position from a photo (one ``photo`` file) so the form can offer it as
    the report's location; the photo is not stored."""
    photos = (await read_photo_form(request, "photo", 1, max_fields=5))[1]
    if not photos:
        raise Refused("写真（photo）を添付してください。", "attach one file as `photo`", status=400)
    found = await run_in_threadpool(photo_gps, photos[0])
    if found is None:
        return {"found": False}
    return {"found": True, "lon": round(found[0], 7), "lat": round(found[1], 7)}


@router.get("/api/reports/nearby", summary="近くの同じ種類の通報 / Open reports nearby")
def nearby(
    category: Annotated[str, Query(min_length=1, max_length=40)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius: Annotated[float, Query(ge=1, le=500, description="metres")] = 50,
    _: Authorized = permit(Action.public_read),
) -> Response:
    """Published, still open reports of the same category within ``radius`` metres, nearest
    first: support one of them instead of sending the same report again."""
    with session_scope() as db:
        found = report_support.nearby(db, category, shapely.Point(lon, lat), radius)
    return Response(found, media_type=JSON)


# --- one report ------------------------------------------------------------------------------


def report_access(db: Session, request: Request) -> ReportAccess:
    """The report named in the path, with what the permission check needs: whether its
    category is sensitive and whether the caller holds its tracking token."""
    public_id = request.path_params.get("public_id", "")
    found = db.execute(
        select(Report, ReportCategory.sensitive)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(Report.public_id == public_id)
    ).first()
    if found is None:
        raise Refused(f"通報 {public_id} はありません。", f"no report {public_id!r}", status=404)
    report, sensitive = found
    token = request.headers.get(TOKEN_HEADER) or request.query_params.get("token")
    access = ReportAccess(report, sensitive, report_tracking.token_matches(report, token))
    db.expunge(report)
    return access


def audience(auth: Authorized) -> Audience:
    access: ReportAccess = auth.resource
    if auth.actor.is_staff:
        return Audience.staff
    if is_reporter(auth.actor, access):
        return Audience.reporter
    return Audience.public


def _not_found(auth: Authorized) -> Refused:
    public_id = auth.resource.report.public_id
    return Refused(f"通報 {public_id} はありません。", f"no report {public_id!r}", status=404)


def view_response(auth: Authorized, status: int = 200) -> Response:
    who = audience(auth)
    with session_scope() as db:
        body = report_json(db, auth.resource.report.id, who)
    # What a reporter or staff see must not sit in a shared cache.
    cache = "public, max-age=60" if who == Audience.public else "private, no-store"
    return Response(body, status, media_type=JSON, headers={"Cache-Control": cache})


@router.get("/api/reports/{public_id}", summary="通報の状況 / A report and its history")
def report(auth: Authorized = permit(Action.report_read, report_access)) -> Response:
    """The public sees published reports; the reporter (signed in, or with the tracking
    token in ``X-Tracking-Token`` or ``?token=``) also sees what they sent; staff see all."""
    return view_response(auth)


class SupportBody(BaseModel):
    device_id: str | None = Field(default=None, min_length=8, max_length=200)


@router.post("/api/reports/{public_id}/support", summary="私も困っています / Support a report")
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
    key = report_support.supporter_key(
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
    with session_scope(auth.actor.audit) as db:
        return report_support.support(db, auth.resource.report, key)


@router.post(
    "/api/reports/{public_id}/photos",
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
    stored = put_files(media_store(), checked_photos(raw, get_settings().photo_max_count))
    report_row: Report = auth.resource.report
    with session_scope(auth.actor.audit) as db:
        report_tracking.check_photo_room(db, report_row, len(stored))
        attach_photos(db, report_row.id, stored, auth.actor.user_id)


class ReopenBody(BaseModel):
    note: str | None = Field(default=None, max_length=4000)


@router.post(
    "/api/reports/{public_id}/reopen",
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
    with session_scope(auth.actor.audit) as db:
        row = db.get(Report, auth.resource.report.id, with_for_update=True)
        assert row is not None
        report_tracking.reopen(db, row, note, auth.actor.user_id)
    return view_response(auth)


# --- photos ------------------------------------------------------------------------------------

MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
PHOTO = text(
    """SELECT a.storage_key, a.thumbnail_key, a.public_key, a.public_thumbnail_key,
        a.content_type, a.is_public AND r.consent_publish AS released
    FROM attachment a JOIN report r ON r.id = a.subject_id
    WHERE a.subject_layer = 'report' AND a.subject_id = :report_id AND a.id = :photo_id"""
)


def _photo(auth: Authorized, photo_id: int, thumbnail: bool) -> Response:
    who = audience(auth)
    with session_scope() as db:
        row = db.execute(
            PHOTO, {"report_id": auth.resource.report.id, "photo_id": photo_id}
        ).first()
    if row is None or (who == Audience.public and not row.released):
        raise _not_found(auth)
    if who == Audience.public:  # the blurred copy when staff made one
        key = (
            (row.public_thumbnail_key or row.thumbnail_key)
            if thumbnail
            else (row.public_key or row.storage_key)
        )
        cache = "public, max-age=86400"
    else:
        key = row.thumbnail_key if thumbnail else row.storage_key
        cache = "private, no-store"
    media_type = MEDIA_TYPES.get(key.rsplit(".", 1)[-1], row.content_type)
    return Response(
        media_store().read(key), media_type=media_type, headers={"Cache-Control": cache}
    )


@router.get("/api/reports/{public_id}/photos/{photo_id}", summary="通報の写真 / A report's photo")
def photo(photo_id: int, auth: Authorized = permit(Action.report_read, report_access)) -> Response:
    return _photo(auth, photo_id, thumbnail=False)


@router.get(
    "/api/reports/{public_id}/photos/{photo_id}/thumbnail",
    summary="通報の写真（縮小） / A report's photo, small",
)
def thumbnail(
    photo_id: int, auth: Authorized = permit(Action.report_read, report_access)
) -> Response:
    return _photo(auth, photo_id, thumbnail=True)


# --- the page the tracking link opens ---------------------------------------------------------


def _history_html(history: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li><time datetime="{escape(h["at"])}">{escape(h["at"][:16].replace("T", " "))}'
        f'</time> {escape(h["label"]["ja"])} <span lang="en">/ {escape(h["label"]["en"])}'
        "</span>"
        + (f"<p>{escape(h['public_comment'])}</p>" if h.get("public_comment") else "")
        + "</li>"
        for h in history
    )
    return f"<ol>{rows}</ol>"


@router.get("/reports/{public_id}", summary="通報の状況（ページ） / A report's tracking page")
def tracking_page(
    request: Request, auth: Authorized = permit(Action.report_read, report_access)
) -> Response:
    """The page the tracking link in the e-mail opens: status, public comments and history,
    and the photos. No scripts; the web app (issue 6) gives the full page."""
    who = audience(auth)
    with session_scope() as db:
        view = json.loads(report_json(db, auth.resource.report.id, who))
    token = request.query_params.get("token")
    suffix = f"?token={quote(token)}" if token and who == Audience.reporter else ""
    text_ = view.get("description") or view.get("public_description") or ""
    photos = "".join(
        f'<li><img src="{escape(p["thumbnail_url"] + suffix)}" alt="写真 {i} / photo {i}" '
        f'width="160"></li>'
        for i, p in enumerate(view["photos"], 1)
    )
    body = (
        f"<p>受付番号 / Reference: <strong>{escape(view['public_id'])}</strong></p>"
        f"<p>種類 / Category: {escape(view['category']['name_ja'])} "
        f'<span lang="en">/ {escape(view["category"]["name_en"])}</span></p>'
        f"<p>状態 / Status: <strong>{escape(view['status_label']['ja'])}</strong> "
        f'<span lang="en">/ {escape(view["status_label"]["en"])}</span></p>'
        + (f"<p>{escape(view['responsible_party'])}</p>" if view.get("responsible_party") else "")
        + f'<h2>内容 <span lang="en">/ Description</span></h2><p>{escape(text_)}</p>'
        f'<h2>経過 <span lang="en">/ History</span></h2>{_history_html(view["history"])}'
        + (f'<h2>写真 <span lang="en">/ Photos</span></h2><ul>{photos}</ul>' if photos else "")
    )
    response = page("通報の状況", "Your report", body)
    response.headers["Cache-Control"] = (
        "public, max-age=60" if who == Audience.public else "private, no-store"
    )
    return response
