"""Photos on their way into a record and out to the public, whatever the record is (a
report, a safety-map place): cleaned files written before the transaction that records them,
their attachment rows, and the copy the public gets once someone releases a photo (blurred
where faces, 表札 or number plates show)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from layers.media.attachments import Attachment
from layers.media.photos import CleanPhoto, blur_regions, clean_photo
from layers.media.storage import MediaStore
from layers.store.refusals import Refused

MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

# Fractions of the width and height: (x0, y0, x1, y1).
Region = tuple[float, float, float, float]


@dataclass(frozen=True)
class StoredPhoto:
    """A cleaned photo whose files are already written (content-addressed)."""

    photo: CleanPhoto
    storage_key: str
    thumbnail_key: str


@dataclass(frozen=True)
class PhotoFile:
    """A file to answer with: its key in the media store and its media type."""

    key: str
    media_type: str

    @classmethod
    def of(cls, key: str, content_type: str) -> PhotoFile:
        # A thumbnail's type is its own (the store names it), not the original's.
        return cls(key, MEDIA_TYPES.get(key.rsplit(".", 1)[-1], content_type))


def put_files(store: MediaStore, photos: Sequence[CleanPhoto]) -> tuple[StoredPhoto, ...]:
    """Before any transaction: a failure after this leaves only unreferenced files (the same
    bytes give the same name), never a row without its file, and no row lock waits on disk."""
    return tuple(
        StoredPhoto(
            p,
            store.put(p.data, p.content_type),
            store.put(p.thumbnail, p.thumbnail_type),
        )
        for p in photos
    )


def attach(
    session: Session,
    subject_layer: str,
    subject_id: int,
    photos: Sequence[StoredPhoto],
    uploaded_by: int | None,
) -> tuple[Attachment, ...]:
    rows = tuple(
        Attachment(
            subject_layer=subject_layer,
            subject_id=subject_id,
            storage_key=s.storage_key,
            thumbnail_key=s.thumbnail_key,
            content_type=s.photo.content_type,
            byte_size=len(s.photo.data),
            width=s.photo.width,
            height=s.photo.height,
            sha256=s.photo.sha256,
            uploaded_by_user_id=uploaded_by,
        )
        for s in photos
    )
    session.add_all(rows)
    session.flush()
    return rows


def checked_regions(regions: Sequence[Region]) -> list[Region]:
    for region in regions:
        if not (0 <= region[0] < region[2] <= 1 and 0 <= region[1] < region[3] <= 1):
            raise Refused(
                "ぼかす範囲は 0〜1 の割合（左, 上, 右, 下）で指定してください。",
                "blur regions are fractions (x0, y0, x1, y1) with 0 <= x0 < x1 <= 1",
            )
    return list(regions)


def release(
    photo: Attachment, store: MediaStore, regions: Sequence[Region], blur_all: bool
) -> None:
    """Give the public a copy: the regions blurred (or the whole photo), else the photo
    itself. The public only ever gets what public_key names, never the original in its
    place (migration 0008)."""
    photo.is_public = True
    if regions or blur_all:
        blurred = blur_regions(
            store.read(photo.storage_key),
            photo.content_type,
            None if blur_all else checked_regions(regions),
        )
        small = clean_photo(blurred)
        photo.public_key = store.put(blurred, photo.content_type)
        photo.public_thumbnail_key = store.put(small.thumbnail, small.thumbnail_type)
    else:
        photo.public_key, photo.public_thumbnail_key = photo.storage_key, photo.thumbnail_key


def withhold(photo: Attachment) -> None:
    """Off the public's pages; the copy stays for the next release decision's audit."""
    photo.is_public = False
