"""Patrols as GPX files (layers/groups/gpx.py): a group's member uploads a GPS logger's file,
or a zip of several, as patrols; any patrol is downloaded as GPX with its observations."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.downloads import disposition
from api.groups.loaders import group_row, patrol_row
from api.guard import refuse_control_characters
from api.permissions import Authorized, acting, permit
from layers.groups import gpx
from layers.groups.membership import lock_group
from layers.groups.model import Patrol, PatrolKind
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.idempotency import checked_key, key_hash
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["patrols"])

MAX_PARTICIPANTS = 10_000

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "a .gpx file, or a .zip holding .gpx files",
                        },
                        "kind": {"type": "string", "enum": [k.value for k in PatrolKind]},
                        "participants": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PARTICIPANTS,
                        },
                    },
                }
            }
        },
    }
}


def _kind(value: str | None) -> PatrolKind | None:
    if value is None or value == "":
        return None
    try:
        return PatrolKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in PatrolKind)
        raise Refused(
            f"kind は {allowed} のいずれかです。",
            f"kind must be one of {allowed}",
            status=400,
            parameter="kind",
        ) from None


def _participants(value: str | None) -> int:
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdecimal() and 1 <= int(value) <= MAX_PARTICIPANTS):
        raise Refused(
            f"participants は 1〜{MAX_PARTICIPANTS} の整数です。",
            f"participants must be a whole number from 1 to {MAX_PARTICIPANTS}",
            status=400,
            parameter="participants",
        )
    return int(value)


async def _read_form(request: Request) -> tuple[dict[str, str], str, bytes]:
    """The form's text fields and its one file. The body as a whole is limited as it
    arrives (api/guard.py allows gpx_max_bytes for this route), the file once more here."""
    limit = get_settings().gpx_max_bytes
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Refused:
        raise
    except Exception as exc:  # python-multipart's own limits and malformed bodies
        raise Refused(
            "フォームの内容を読み取れません。", f"unreadable form data: {exc}", status=400
        ) from None
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    for name, value in fields.items():
        refuse_control_characters(value, name)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Refused(
            "GPX ファイル（file）を添付してください。",
            "attach a .gpx or .zip file as `file` (multipart/form-data)",
            status=400,
            parameter="file",
        )
    filename = upload.filename or "upload.gpx"
    refuse_control_characters(filename, "file")
    if upload.size is not None and upload.size > limit:
        raise gpx.too_large(filename, limit)
    return fields, filename, await upload.read(limit + 1)


@router.post(
    "/api/groups/{group_id}/patrols/gpx",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    summary="GPX ファイルから取り込む / Import patrols from GPX",
)
async def import_gpx(
    request: Request, auth: Authorized = permit(Action.group_edit, group_row)
) -> Response:
    """One patrol per track (``<trk>``; a ``<rte>`` with times counts as one), every point
    kept with its time and elevation; times without an offset are the city's time zone.
    All or nothing: anything broken is refused naming the file, the track and the point.
    An optional ``Idempotency-Key`` makes sending the same upload again store nothing."""
    key = checked_key(request.headers.get("idempotency-key"))
    fields, filename, data = await _read_form(request)
    kind = _kind(fields.get("kind"))
    participants = _participants(fields.get("participants"))
    fingerprint = hashlib.sha256(
        f"{hashlib.sha256(data).hexdigest()}\n{kind}\n{participants}".encode()
    ).hexdigest()
    return await run_in_threadpool(
        _import, auth, data, filename, kind, participants, key, fingerprint
    )


def _import(
    auth: Authorized,
    data: bytes,
    filename: str,
    kind: PatrolKind | None,
    participants: int,
    key: str | None,
    fingerprint: str,
) -> Response:
    # Read and checked before the transaction: the group is not locked while XML is parsed.
    upload = gpx.read_upload(data, filename, get_settings())
    group_id = auth.resource.id
    with acting(auth, lambda db: lock_group(db, group_id)) as (db, group):
        imported = gpx.record_walks(
            db,
            group.id,
            upload,
            kind=kind,
            participants=participants,
            recorded_by=auth.actor.user_id,
            key=key_hash(key),
            fingerprint=fingerprint,
        )
    with session_scope() as db:
        answer = {
            "patrols": gpx.summaries(db, imported.patrol_ids),
            "notes": [
                {"message_ja": ja, "message_en": en}
                for ja, en in zip(upload.notes_ja, upload.notes_en, strict=True)
            ],
        }
    headers = {"Cache-Control": "no-store"}
    if imported.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(jsonable_encoder(answer), status_code=201, headers=headers)


@router.get(
    "/api/patrols/{patrol_id}/gpx",
    response_class=Response,
    responses={200: {"content": {gpx.GPX_MEDIA_TYPE: {}}}},
    summary="GPX でダウンロード / A patrol as GPX",
)
def download_gpx(auth: Authorized = permit(Action.group_read_private, patrol_row)) -> Response:
    patrol: Patrol = auth.resource
    with session_scope() as db:
        body = gpx.patrol_gpx(db, patrol.id)
    plain, titled = gpx.file_names(
        patrol.id, patrol.title, patrol.started_at, get_settings().city_time_zone
    )
    return Response(
        body,
        media_type=gpx.GPX_MEDIA_TYPE,
        headers={
            "Content-Disposition": disposition(plain, titled),
            # A group's private track: kept by no shared cache.
            "Cache-Control": "private, no-store",
        },
    )
