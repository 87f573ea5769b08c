"""Observations made on a patrol (layers/groups/observations.py): a note and photos at a
place, about a nearby feature if the walker chose one, and 「市に知らせる」, the observation
sent to the city as a resident report through the reports' own intake."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Self

import shapely
from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from api.addresses import public_base
from api.forms import validated
from api.groups.loaders import group_row, observation_row, patrol_row
from api.openapi import body
from api.params import PathId
from api.permissions import Authorized, acting, permit
from api.photos import PRIVATE, no_photo, photo_response
from api.uploads import read_photo_form, run_intake
from geo.geometry import GeometryError, check_lonlat
from layers.groups import observations
from layers.groups.model import Patrol
from layers.groups.observations import ObservationAccess
from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.media.stored import put_files
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.idempotency import checked_key, fingerprint, key_hash
from layers.store.refusals import Refused
from layers.store.settings import get_settings
from layers.store.sql import BIGINT_MAX, find_row

router = APIRouter(tags=["patrols"])

NOTE_MAX = 2000


class ObservationForm(BaseModel):
    """The text fields of the multipart form (the photos are ``photo`` files)."""

    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX)
    ]
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    observed_at: AwareDatetime | None = None
    subject_layer: str | None = Field(
        default=None, max_length=40, description=", ".join(observations.SUBJECT_LAYERS)
    )
    subject_id: int | None = Field(default=None, ge=1, le=BIGINT_MAX)
    report_category: str | None = Field(
        default=None,
        max_length=40,
        description="「市に知らせる」: a report category code sends it to the city at once",
    )
    report_consent_publish: bool = False
    idempotency_key: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _pairs(self) -> Self:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        if (self.subject_layer is None) != (self.subject_id is None):
            raise ValueError("give both subject_layer and subject_id, or neither")
        return self


class ToCity(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"category": "streetlight", "consent_publish": False}]}
    )

    category: str = Field(min_length=1, max_length=40, description="a report category code")
    description: str | None = Field(
        default=None, max_length=4000, description="the report's text (default: the note)"
    )
    consent_publish: bool = False


@router.get(
    "/api/groups/{group_id}/nearby",
    summary="近くの地物 / Features near the walker",
)
def nearby(
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    radius: Annotated[float, Query(ge=1, le=500, description="metres")] = 100,
    auth: Authorized = permit(Action.group_read_private, group_row),
) -> dict[str, Any]:
    """Facilities, hazards and safety-map places this caller may see within ``radius``,
    nearest first: what an observation may be about."""
    _place(lon, lat)
    with session_scope() as db:
        return {"features": observations.nearby(db, auth.actor, lon, lat, radius)}


def _place(lon: float | None, lat: float | None) -> shapely.Point | None:
    if lon is None or lat is None:
        return None
    try:
        check_lonlat(lon, lat)
    except GeometryError as error:
        raise Refused(error.message_ja, error.message_en, status=422) from error
    return shapely.Point(lon, lat)


@router.post(
    "/api/patrols/{patrol_id}/observations",
    status_code=201,
    openapi_extra=body(
        ObservationForm, files={"photo": get_settings().photo_max_count}, json=False
    ),
    summary="気づいたことを記録 / Record an observation",
)
async def add_observation(
    request: Request, auth: Authorized = permit(Action.group_edit, patrol_row)
) -> Response:
    """A multipart form: ``note``, ``lon``/``lat``, ``observed_at``, ``subject_layer`` and
    ``subject_id``, ``photo`` files; with ``report_category`` it is also sent to the city
    as a report. Send an ``Idempotency-Key``: sent again, it is stored once."""
    allowed = get_settings().photo_max_count
    fields, raw = await read_photo_form(request, "photo", allowed + 1, max_fields=20)
    if len(raw) > allowed:
        raise Refused(
            f"写真は{allowed}枚までです。", f"at most {allowed} photos at once", status=413
        )
    form = validated(ObservationForm, fields)
    key = checked_key(request.headers.get("idempotency-key") or form.idempotency_key)
    subject = None
    if form.subject_layer is not None and form.subject_id is not None:
        subject = observations.Subject(form.subject_layer, form.subject_id)
    new = observations.NewObservation(
        note=form.note,
        place=_place(form.lon, form.lat),
        observed_at=form.observed_at,
        subject=subject,
        key=key_hash(key),
        fingerprint="",
    )
    to_city = None
    if form.report_category:
        # The report's own key follows from the observation's: a retry finds the same report.
        to_city = observations.ToCity(
            form.report_category,
            None,
            form.report_consent_publish,
            f"{key}:report" if key else None,
        )
    return await run_intake(_add, auth, new, raw, to_city, public_base(request))


def _add(
    auth: Authorized,
    new: observations.NewObservation,
    raw: list[bytes],
    to_city: observations.ToCity | None,
    base: str,
) -> Response:
    cleaned = [clean_photo(r) for r in raw]
    content = {
        "note": new.note,
        "place": new.place.wkt if new.place is not None else None,
        "observed_at": new.observed_at,
        "subject": [new.subject.layer, new.subject.id] if new.subject else None,
        "photos": [p.source_sha256 for p in cleaned],
        "to_city": [to_city.category, to_city.consent_publish] if to_city else None,
    }
    new = replace(new, fingerprint=fingerprint(content))
    stored = put_files(media_store(), cleaned)
    patrol_id = auth.resource.id
    report = None

    def lock(db: Any) -> Patrol:
        return find_row(db, Patrol, patrol_id, "パトロール記録", "patrol", lock=True)

    with acting(auth, lock) as (db, patrol):
        found, replayed = observations.add(db, auth.actor, patrol, new, stored)
        if to_city is not None:  # sent again: the intake answers with the first report
            sent = observations.send_to_city(db, auth.actor, found, to_city)
            report = observations.report_links(sent.public_id, sent.tracking_token, base)
        observation_id = found.id
    with session_scope() as db:
        body = observations.observation_json(db, observation_id)
    if report is not None:
        body["report"] = {**(body.get("report") or {}), **report}
    headers = {
        "Location": f"/api/patrols/{patrol_id}",
        "Cache-Control": "no-store",
    }
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(jsonable_encoder(body), status_code=201, headers=headers)


@router.post(
    "/api/patrol-observations/{observation_id}/report",
    status_code=201,
    summary="市に知らせる / Send an observation to the city as a report",
)
def send_to_city(
    body: ToCity,
    request: Request,
    auth: Authorized = permit(Action.group_edit, observation_row),
) -> dict[str, Any]:
    """The observation becomes a resident report (its place, note and photos), through the
    same intake, categories and moderation as any report. Once per observation; a retry
    with the same ``Idempotency-Key`` gets the same report."""
    key = checked_key(request.headers.get("idempotency-key"))
    found: ObservationAccess = auth.resource
    to_city = observations.ToCity(body.category, body.description, body.consent_publish, key)
    with acting(auth, lambda db: observations.find(db, found.observation.id, lock=True)) as (
        db,
        locked,
    ):
        sent = observations.send_to_city(db, auth.actor, locked.observation, to_city)
    return observations.report_links(sent.public_id, sent.tracking_token, public_base(request))


def _photo(auth: Authorized, photo_id: int, thumbnail: bool) -> Response:
    found: ObservationAccess = auth.resource
    with session_scope() as db:
        file = observations.photo_file(db, found.observation.id, photo_id, thumbnail)
    if file is None:
        raise no_photo(photo_id)
    return photo_response(file, PRIVATE)


@router.get(
    "/api/patrol-observations/{observation_id}/photos/{photo_id}",
    summary="記録の写真 / An observation's photo",
)
def photo(
    photo_id: PathId, auth: Authorized = permit(Action.group_read_private, observation_row)
) -> Response:
    return _photo(auth, photo_id, thumbnail=False)


@router.get(
    "/api/patrol-observations/{observation_id}/photos/{photo_id}/thumbnail",
    summary="記録の写真（縮小） / An observation's photo, small",
)
def thumbnail(
    photo_id: PathId, auth: Authorized = permit(Action.group_read_private, observation_row)
) -> Response:
    return _photo(auth, photo_id, thumbnail=True)
