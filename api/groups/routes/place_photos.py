"""Photos on safety-map places (layers/groups/place_photos.py): members add them to their
places, leaders release them (blurred where faces, 表札 or number plates show) or withhold
them; the public gets only released copies of published maps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.groups.audiences import audience
from api.groups.loaders import map_row, photo_place_row, place_row
from api.openapi import upload
from api.params import PathId
from api.permissions import Authorized, acting, permit
from api.photos import PRIVATE, no_photo, photo_response
from api.uploads import read_photo_form, run_intake
from layers.groups import place_photos
from layers.groups.map_places import PlaceAccess, lock_map, lock_place
from layers.groups.model import SafetyMap
from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.media.stored import Region, put_files
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["safety maps"])


class Release(BaseModel):
    """Regions to blur as fractions of the photo (left, top, right, bottom)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"blur": [[0.1, 0.2, 0.3, 0.4]], "blur_all": False}]}
    )

    blur: list[Region] = Field(default_factory=list, max_length=50)
    blur_all: bool = False


@router.post(
    "/api/safety-maps/{map_id}/features/{feature_id}/photos",
    openapi_extra=upload("photo", get_settings().photo_max_count),
    status_code=201,
    summary="地点に写真を追加 / Add photos to a place",
)
async def add_photos(
    request: Request, auth: Authorized = permit(Action.safety_map_place_edit, place_row)
) -> list[dict[str, Any]]:
    allowed = get_settings().photo_max_count
    raw = (await read_photo_form(request, "photo", allowed + 1, max_fields=10))[1]
    if not raw:
        raise Refused("写真（photo）を添付してください。", "attach a file as `photo`", status=400)
    if len(raw) > allowed:
        raise Refused(
            f"写真は{allowed}枚までです。", f"at most {allowed} photos at once", status=413
        )
    return await run_intake(_add_photos, raw, auth)


def _add_photos(raw: list[bytes], auth: Authorized) -> list[dict[str, Any]]:
    # Cleaned and written before the transaction: no row lock waits on decoding.
    stored = put_files(media_store(), [clean_photo(r) for r in raw])
    found: PlaceAccess = auth.resource

    with acting(auth, lambda db: lock_place(db, found.map.id, found.place.id)) as (db, locked):
        return place_photos.add_photos(
            db,
            locked.map,
            locked.place,
            stored,
            auth.actor.user_id,
            get_settings().photo_max_count,
        )


def _photo(auth: Authorized, photo_id: int, thumbnail: bool) -> Response:
    m: SafetyMap = auth.resource
    who = audience(auth.actor, m)
    with session_scope() as db:
        found = place_photos.photo_file(db, m, photo_id, who.member, thumbnail)
    if found is None:
        raise no_photo(photo_id)
    # Unpublishing or withholding must reach every cache at once: revalidate each time.
    return photo_response(found, PRIVATE if who.member else "public, no-cache")


@router.get("/api/safety-maps/{map_id}/photos/{photo_id}", summary="地点の写真 / A place's photo")
def photo(photo_id: PathId, auth: Authorized = permit(Action.safety_map_read, map_row)) -> Response:
    return _photo(auth, photo_id, thumbnail=False)


@router.get(
    "/api/safety-maps/{map_id}/photos/{photo_id}/thumbnail",
    summary="地点の写真（縮小） / A place's photo, small",
)
def thumbnail(
    photo_id: PathId, auth: Authorized = permit(Action.safety_map_read, map_row)
) -> Response:
    return _photo(auth, photo_id, thumbnail=True)


def _decide(auth: Authorized, photo_id: int, publish: bool, body: Release) -> dict[str, Any]:
    store = media_store()
    map_id = auth.resource.id
    with acting(auth, lambda db: lock_map(db, map_id)) as (db, m):
        found, _ = place_photos.find_photo(db, m, photo_id, lock=True)
        return place_photos.decide(db, m, found, store, publish, body.blur, body.blur_all)


@router.post(
    "/api/safety-maps/{map_id}/photos/{photo_id}/release",
    summary="写真を公開（ぼかし付き） / Release a photo, blurred where needed",
)
async def release_photo(
    photo_id: PathId, body: Release, auth: Authorized = permit(Action.safety_map_publish, map_row)
) -> dict[str, Any]:
    # Blurring decodes and encodes the photo: off the event loop, a few at a time.
    return await run_intake(_decide, auth, photo_id, True, body)


@router.post(
    "/api/safety-maps/{map_id}/photos/{photo_id}/withhold",
    summary="写真を公開しない / Withhold a photo",
)
def withhold_photo(
    photo_id: PathId, auth: Authorized = permit(Action.safety_map_publish, map_row)
) -> dict[str, Any]:
    return _decide(auth, photo_id, False, Release())


@router.delete(
    "/api/safety-maps/{map_id}/photos/{photo_id}",
    status_code=204,
    summary="写真の削除 / Remove a photo",
)
def remove_photo(
    photo_id: PathId, auth: Authorized = permit(Action.safety_map_place_edit, photo_place_row)
) -> None:
    map_id = auth.resource.map.id

    def lock(db: Any) -> PlaceAccess:
        m = lock_map(db, map_id)
        return PlaceAccess(place_photos.find_photo(db, m, photo_id, lock=True)[1], m)

    with acting(auth, lock) as (db, found):
        place_photos.remove(db, place_photos.find_photo(db, found.map, photo_id)[0])
