"""Photos on safety-map places, through the reports' pipeline (sniffed type, limits, every
bit of metadata stripped: layers/media). A photo stays the group's until a leader releases
it, blurred where faces, 表札 or number plates show; the public only ever gets that copy, and
only while the map is published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from layers.groups.model import SafetyMap, SafetyMapFeature
from layers.media.attachments import Attachment
from layers.media.storage import MediaStore
from layers.media.stored import PhotoFile, Region, StoredPhoto, attach, release, withhold
from layers.store.refusals import Refused
from layers.store.sql import find_row

SUBJECT = "safety_map_feature"

# The map's id keeps a photo from being reached through another map's address.
PHOTO = text(
    """SELECT a.storage_key, a.thumbnail_key, a.public_key, a.public_thumbnail_key,
        a.content_type,
        a.is_public AND m.is_published AND f.deleted_at IS NULL AS released
    FROM attachment a
    JOIN safety_map_feature f ON f.id = a.subject_id
    JOIN safety_map m ON m.id = f.safety_map_id
    WHERE a.subject_layer = 'safety_map_feature' AND a.id = :photo_id AND m.id = :map_id"""
)


def photo_json(m: SafetyMap, a: Attachment) -> dict[str, Any]:
    base = f"/api/safety-maps/{m.id}/photos/{a.id}"
    return {
        "id": a.id,
        "url": base,
        "thumbnail_url": f"{base}/thumbnail",
        "released": a.is_public and a.public_key is not None,
        "blurred": a.public_key is not None and a.public_key != a.storage_key,
        "width": a.width,
        "height": a.height,
    }


def _no_photo(photo_id: int | str) -> Refused:
    return Refused(
        f"この安全マップに写真 {photo_id} はありません。",
        f"no photo {photo_id} on this safety map",
        status=404,
    )


def add_photos(
    session: Session,
    m: SafetyMap,
    place: SafetyMapFeature,
    stored: Sequence[StoredPhoto],
    uploaded_by: int | None,
    allowed: int,
) -> list[dict[str, Any]]:
    present = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.subject_layer == SUBJECT, Attachment.subject_id == place.id)
    )
    if (present or 0) + len(stored) > allowed:
        raise Refused(
            f"1つの地点の写真は{allowed}枚までです（今 {present} 枚）。",
            f"a place takes at most {allowed} photos (it has {present})",
            status=409,
        )
    return [photo_json(m, a) for a in attach(session, SUBJECT, place.id, stored, uploaded_by)]


def find_photo(
    session: Session, m: SafetyMap, photo_id: int | str, *, lock: bool = False
) -> tuple[Attachment, SafetyMapFeature]:
    photo = find_row(session, Attachment, photo_id, "写真", "photo", lock=lock)
    place = (
        session.get(SafetyMapFeature, photo.subject_id) if photo.subject_layer == SUBJECT else None
    )
    if place is None or place.safety_map_id != m.id:
        raise _no_photo(photo_id)
    return photo, place


def photo_file(
    session: Session, m: SafetyMap, photo_id: int, member: bool, thumbnail: bool
) -> PhotoFile | None:
    """The file as this caller gets it: the group's members the photo itself, everyone else
    the released copy of a published map's photo, or nothing."""
    row = session.execute(PHOTO, {"photo_id": photo_id, "map_id": m.id}).first()
    if row is None or (not member and not row.released):
        return None
    if member:
        key = row.thumbnail_key if thumbnail else row.storage_key
    else:
        key = row.public_thumbnail_key if thumbnail else row.public_key
    return PhotoFile.of(key, row.content_type) if key is not None else None


def decide(
    session: Session,
    m: SafetyMap,
    photo: Attachment,
    store: MediaStore,
    publish: bool,
    regions: Sequence[Region] = (),
    blur_all: bool = False,
) -> dict[str, Any]:
    if publish:
        release(photo, store, regions, blur_all)
    else:
        withhold(photo)
    session.flush()
    return photo_json(m, photo)


def remove(session: Session, photo: Attachment) -> None:
    """The row goes; its files go with the media store's collection of unreferenced files."""
    session.delete(photo)
    session.flush()
