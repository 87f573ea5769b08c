"""Inspections of any map feature (layers/inspections/): recorded by staff from a phone in
the field (a multipart form: the inspection as JSON and its photos, sent again safely with
an Idempotency-Key), read by anyone who may see the subject (the findings and photos once
released), listed for staff, and changed with If-Match.

Registered after the routers of /api/inspections/kinds, /api/inspections/due and
/api/inspections/{id}.pdf: /api/inspections/{inspection_id} would take their paths."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.forms import LongText, validated
from api.guard import refuse_control_characters
from api.pagination import Page, page_body, page_params
from api.params import BodyId, PathId
from api.permissions import Authorized, acting, denied, path_parameters, permit
from api.photos import PRIVATE, no_photo, photo_response
from api.uploads import read_photo_form, run_intake
from layers.inspections import reading, recording
from layers.inspections.model import FollowUp, Grade, Inspection
from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.media.stored import put_files
from layers.policy import Action, can
from layers.store import versions
from layers.store.db import session_scope
from layers.store.idempotency import checked_key, fingerprint, key_hash
from layers.store.refusals import Refused
from layers.store.settings import get_settings
from layers.store.sql import find_row

router = APIRouter(tags=["inspections"])

WHAT = ("点検記録", "inspection")
IfMatch = Header(
    default=None,
    alias="If-Match",
    description="読み込んだ点検記録の ETag / the ETag of the inspection as loaded",
    max_length=200,
)
Short = Annotated[str, Field(max_length=100)]


class PartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part: str = Field(min_length=1, max_length=40, description="a code of the kind's parts")
    grade: Grade
    note: str | None = Field(default=None, max_length=500)


class InspectionIn(BaseModel):
    """The ``inspection`` part of the form, as JSON text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject_layer": "facility_building",
                    "subject_id": 12,
                    "kind": "building_article12",
                    "inspected_on": "2026-11-30",
                    "overall_grade": "C",
                    "parts": [{"part": "roof", "grade": "B", "note": "防水層に膨れ"}],
                    "findings": "外壁北面にひび割れ",
                    "follow_up_action": "repair",
                    "follow_up_due": "2027-03-31",
                }
            ]
        },
    )

    subject_layer: str = Field(min_length=1, max_length=40)
    subject_id: BodyId
    kind: str = Field(min_length=1, max_length=40)
    inspected_on: date
    overall_grade: Grade
    hazard_level: int | None = Field(default=None, ge=0, le=3, description="JPFA 0-3")
    parts: list[PartIn] = Field(default_factory=list, max_length=50)
    findings: LongText | None = None
    follow_up_action: FollowUp = FollowUp.none
    follow_up_due: date | None = None
    follow_up: LongText | None = None
    inspector_name: Short | None = None


class InspectionChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"released": True}]})

    findings: LongText | None = None
    follow_up_action: FollowUp | None = None
    follow_up_due: date | None = None
    follow_up: LongText | None = None
    released: bool | None = Field(default=None, description="needs inspection.release")


def _form_schema() -> dict[str, Any]:
    most = get_settings().inspection_max_photos
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["inspection"],
                        "properties": {
                            "inspection": {
                                "type": "string",
                                "description": "JSON: "
                                + json.dumps(
                                    InspectionIn.model_json_schema()["examples"][0],
                                    ensure_ascii=False,
                                ),
                            },
                            "photos": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "maxItems": most,
                            },
                        },
                    },
                    "encoding": {"inspection": {"contentType": "application/json"}},
                }
            },
        }
    }


@path_parameters(inspection_id=PathId)
def inspection_row(db: Session, request: Request) -> Inspection:
    return find_row(db, Inspection, str(request.path_params.get("inspection_id", "")), *WHAT)


def _answer(body: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers={
            "ETag": versions.etag(body["version"]),
            "Cache-Control": "private, no-cache",
            "Vary": "Cookie, Authorization",
            **headers,
        },
    )


def _strings(value: Any, where: str) -> None:
    """Control characters inside the JSON text (written as escapes) are refused as in any
    other field."""
    if isinstance(value, str):
        refuse_control_characters(value, where)
    elif isinstance(value, dict):
        for name, item in value.items():
            _strings(item, f"{where}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _strings(item, f"{where}.{i}")


def _parsed(fields: dict[str, str]) -> InspectionIn:
    raw = fields.get("inspection")
    if raw is None:
        raise Refused(
            "フォームに inspection（点検の内容の JSON）がありません。",
            "the form has no 'inspection' part (the inspection as JSON)",
            status=400,
            parameter="inspection",
        )
    try:
        data = json.loads(raw)
    except ValueError:
        raise Refused(
            "inspection が JSON として読めません。",
            "the 'inspection' part is not valid JSON",
            status=400,
            parameter="inspection",
        ) from None
    _strings(data, "inspection")
    return validated(InspectionIn, data)


@router.post(
    "/api/inspections",
    status_code=201,
    openapi_extra=_form_schema(),
    summary="点検の記録 / Record an inspection",
    responses={201: {"description": "記録した点検 / the inspection recorded"}},
)
async def record(request: Request, auth: Authorized = permit(Action.inspection_record)) -> Response:
    """A multipart form: ``inspection`` (JSON) and ``photos`` files. Send an
    ``Idempotency-Key``: a retry of the same content gets the first inspection back."""
    allowed = get_settings().inspection_max_photos
    fields, raw = await read_photo_form(request, "photos", allowed + 1, max_fields=5)
    if len(raw) > allowed:
        raise Refused(
            f"写真は{allowed}枚までです。", f"at most {allowed} photos at once", status=413
        )
    form = _parsed(fields)
    key = checked_key(request.headers.get("idempotency-key"))
    return await run_intake(_record, auth, form, raw, key)


def _record(auth: Authorized, form: InspectionIn, raw: list[bytes], key: str | None) -> Response:
    cleaned = [clean_photo(r) for r in raw]
    content = {
        "inspection": form.model_dump(mode="json"),
        "photos": [p.source_sha256 for p in cleaned],
    }
    new = recording.NewInspection(
        **{
            **form.model_dump(exclude={"parts"}),
            "parts": tuple(recording.PartGrade(**p.model_dump()) for p in form.parts),
        }
    )
    stored = put_files(media_store(), cleaned)
    with acting(auth, lambda db: None) as (db, _):
        found, replayed = recording.record(
            db, auth.actor, new, stored, key_hash(key), fingerprint(content)
        )
        inspection_id = found.id
    with session_scope() as db:
        body = reading.inspection_detail(db, auth.actor, inspection_id)
    assert body is not None  # staff recorded it, staff read it
    headers = {"Location": f"/api/inspections/{inspection_id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _answer(body, 201, **headers)


@router.get("/api/inspections", summary="点検の一覧（職員） / Inspections (staff)")
def list_inspections(
    request: Request,
    subject_layer: Annotated[str | None, Query(max_length=40)] = None,
    subject_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.inspection_read),
) -> JSONResponse:
    with session_scope() as db:
        items, matched = reading.list_inspections(
            db,
            auth.actor,
            layer=subject_layer,
            subject_id=subject_id,
            kind=kind,
            limit=page.limit,
            offset=page.offset,
        )
    body = page_body(request, page, items, matched, key="inspections")
    body["matched"] = body.pop("numberMatched")
    return JSONResponse(
        jsonable_encoder(body),
        headers={"Cache-Control": "private, no-store", "Vary": "Cookie, Authorization"},
    )


def _not_found(inspection_id: int) -> Refused:
    return Refused(
        f"点検記録 {inspection_id} はありません。", f"no inspection {inspection_id}", status=404
    )


@router.get(
    "/api/inspections/{inspection_id}",
    summary="点検記録 / An inspection (with its ETag)",
)
def detail(inspection_id: PathId, auth: Authorized = permit(Action.public_read)) -> JSONResponse:
    """Anyone who may see the subject reads the date, kind and grades; the findings, notes,
    follow-up, inspector and photos once staff released them."""
    with session_scope() as db:
        body = reading.inspection_detail(db, auth.actor, inspection_id)
    if body is None:
        raise _not_found(inspection_id)
    return _answer(body)


@router.patch(
    "/api/inspections/{inspection_id}",
    summary="点検記録の変更・公開 / Change or release an inspection (If-Match required)",
    responses={412: {"description": "ほかの人が先に変更 / changed by someone else first"}},
)
def change(
    body: InspectionChange,
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.inspection_record, inspection_row),
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    for name in ("follow_up_action", "released"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    if "released" in changes and not can(auth.actor, Action.inspection_release):
        raise denied(auth.actor, Action.inspection_release)
    inspection_id = auth.resource.id

    def lock(db: Session) -> Inspection:
        return find_row(db, Inspection, inspection_id, *WHAT, lock=True)

    with acting(auth, lock) as (db, inspection):
        versions.check_if_match(inspection.version, if_match, WHAT, required=True)
        recording.change(db, inspection, changes, media_store())
    with session_scope() as db:
        found = reading.inspection_detail(db, auth.actor, inspection_id)
    if found is None:
        raise _not_found(inspection_id)
    return _answer(found)


def _photo(auth: Authorized, inspection_id: int, photo_id: int, thumbnail: bool) -> Response:
    with session_scope() as db:
        file = reading.photo_file(db, auth.actor, inspection_id, photo_id, thumbnail)
    if file is None:
        raise no_photo(photo_id)
    return photo_response(file, PRIVATE)


@router.get(
    "/api/inspections/{inspection_id}/photos/{photo_id}",
    summary="点検の写真 / An inspection's photo",
)
def photo(
    inspection_id: PathId, photo_id: PathId, auth: Authorized = permit(Action.public_read)
) -> Response:
    return _photo(auth, inspection_id, photo_id, thumbnail=False)


@router.get(
    "/api/inspections/{inspection_id}/photos/{photo_id}/thumbnail",
    summary="点検の写真（縮小） / An inspection's photo, small",
)
def thumbnail(
    inspection_id: PathId, photo_id: PathId, auth: Authorized = permit(Action.public_read)
) -> Response:
    return _photo(auth, inspection_id, photo_id, thumbnail=True)
