"""The inspection's photos as data: URIs for the sheet, at print size: a stored photo can be
2560 px on its long side, which at the sheet's 58 mm would be over 1100 dpi and megabytes per
photo; 800 px prints at 350 dpi."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from layers.inspections.printing import queries as q
from layers.media.storage import media_store
from layers.store.refusals import Refused

PRINT_SIDE_PX = 800


def _print_size(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        if max(im.size) <= PRINT_SIDE_PX and im.format == "JPEG":
            return data
        im.thumbnail((PRINT_SIDE_PX, PRINT_SIDE_PX))
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue()


def photo_uris(session: Session, detail: dict[str, Any], full: bool, limit: int) -> list[str]:
    """The photos the detail lists (already only those the caller may see), at most
    ``limit``; ``full``: staff, who get the stored photo rather than the public copy."""
    ids = [int(p["id"]) for p in detail.get("photos") or []][:limit]
    if not ids:
        return []
    store = media_store()
    uris = []
    for _id, key in session.execute(
        q.PHOTOS, {"ids": ids, "inspection_id": detail["id"], "full": full}
    ):
        if key is None:  # released without a public copy: withheld, never the original
            continue
        try:
            data = _print_size(store.read(key))
        except Refused:  # a file lost since: the sheet prints without it
            continue
        uris.append(f"data:image/jpeg;base64,{base64.b64encode(data).decode('ascii')}")
    return uris
