"""Sending a report (通報): the form or JSON with photos, the place a photo was taken, and
the open reports of the same kind nearby to support instead of sending the same again."""

from __future__ import annotations

import json
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.addresses import public_base
from api.forms import LongText, json_or_form, validated
from api.openapi import body, upload
from api.permissions import Authorized, permit
from api.uploads import read_photo_form, run_intake
from layers.media.photos import photo_gps
from layers.policy import Action
from layers.reports import support
from layers.reports.intake import Contact, NewReport, Submitted, place_of, receive
from layers.reports.model import (
    CONTACT_EMAIL_MAX,
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    LocationSource,
    ReportSource,
)
from layers.reports.tracking import tracking_url
from layers.store.db import session_scope
from layers.store.idempotency import checked_key
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["reports"])

JSON = "application/json"


class Submission(BaseModel):
    """The fields of a report, from a form (the web app, phones) or JSON (programs)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "road_damage",
                    "description": "歩道の舗装がはがれて段差になっています。",
                    "lat": 34.8669,
                    "lon": 138.3187,
                    "location_source": "pin",
                }
            ]
        }
    )

    category: str = Field(min_length=1, max_length=40)
    description: LongText
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    # A line or an area ("this whole stretch of road"), GeoJSON, instead of lat/lon.
    geometry: dict[str, Any] | None = None
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    location_source: LocationSource = LocationSource.other
    # No pin yet: take the location from the first photo's GPS (read before stripping).
    use_photo_location: bool = False
    contact_name: str | None = Field(default=None, max_length=CONTACT_NAME_MAX)
    contact_email: str | None = Field(default=None, max_length=CONTACT_EMAIL_MAX)
    contact_phone: str | None = Field(default=None, max_length=CONTACT_PHONE_MAX)
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


async def read_submission(request: Request) -> tuple[Submission, list[bytes]]:
    """A multipart form with ``photos`` files, or JSON without photos."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await json_or_form(request, Submission), []
    # One file more than allowed still parses, so the answer can say how many are allowed.
    allowed = get_settings().photo_max_count
    fields, photos = await read_photo_form(request, "photos", allowed + 1, max_fields=50)
    return validated(Submission, fields), photos


def submitted_json(result: Submitted, public: str) -> dict[str, Any]:
    """``public``: the address the request came to, so the tracking link works where the
    reporter is (MACHIMAP_PUBLIC_URL is for e-mails, sent later)."""
    base = f"/api/reports/{result.public_id}"
    token = result.tracking_token
    return {
        "public_id": result.public_id,
        "tracking_token": token,
        "tracking_url": tracking_url(result.public_id, token, public),
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


@router.post(
    "/api/reports",
    status_code=201,
    summary="通報する / Submit a report",
    openapi_extra=body(Submission, files={"photos": get_settings().photo_max_count}),
)
async def submit_report(
    request: Request, auth: Authorized = permit(Action.report_submit)
) -> Response:
    """Category, description, a point (lat/lon) or a line/area (GeoJSON ``geometry``),
    optional photos (``photos`` files in a multipart form) and an optional contact that only
    the city's staff see. Send an ``Idempotency-Key`` header (or ``idempotency_key`` field):
    a retry answers with the first submission's result, never a second report."""
    body, photos = await read_submission(request)
    key = checked_key(request.headers.get("idempotency-key") or body.idempotency_key)
    geometry, source = place_of(
        body.geometry, body.lat, body.lon, body.location_source, body.use_photo_location, photos
    )
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
    result = await run_intake(receive, new, auth.actor.audit)
    headers = {"Location": f"/api/reports/{result.public_id}", "Cache-Control": "no-store"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        json.dumps(submitted_json(result, public_base(request)), ensure_ascii=False),
        status_code=201,
        media_type=JSON,
        headers=headers,
    )


@router.post(
    "/api/reports/photo-location",
    openapi_extra=upload("photo", 1),
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
        found = support.nearby(db, category, shapely.Point(lon, lat), radius)
    return Response(found, media_type=JSON)
