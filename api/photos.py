"""Answering with a stored photo: the file from the media store, its own media type, and the
caching its audience allows (decided by the router that knows who may see it)."""

from __future__ import annotations

from fastapi import Response

from layers.media.storage import media_store
from layers.media.stored import PhotoFile
from layers.store.refusals import Refused

# What a signed-in caller or a holder of a link sees must not be cached for anyone else.
PRIVATE = "private, no-store"
BY_CALLER = "Cookie, Authorization"


def no_photo(photo_id: int) -> Refused:
    return Refused(f"写真 {photo_id} はありません。", f"no photo {photo_id} to show", status=404)


def photo_response(file: PhotoFile, cache_control: str, vary: str | None = BY_CALLER) -> Response:
    headers = {"Cache-Control": cache_control}
    if vary is not None:
        headers["Vary"] = vary
    return Response(media_store().read(file.key), media_type=file.media_type, headers=headers)
