"""Cache headers: for answers that depend on who asks, and validators for those that do not."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response

from layers.policy import Actor

# For answers only the signed-in caller may see (staff lists, plans): no cache keeps them.
PRIVATE_NO_STORE = {"Cache-Control": "private, no-store", "Vary": "Cookie, Authorization"}


def vary_by_caller(response: Response, actor: Actor) -> None:
    """For a public answer that shows the signed-in caller more (their role, the group's
    drafts): a shared cache must neither store it nor hand the anonymous copy to members."""
    response.headers["Vary"] = "Cookie, Authorization"
    if actor.signed_in:
        response.headers["Cache-Control"] = "private"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names this entity tag (weakly compared, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in candidates or etag.removeprefix("W/") in candidates


def revalidated_json(request: Request, value: Any) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return revalidated(request, body)


def revalidated(request: Request, body: bytes, media_type: str = "application/json") -> Response:
    """A catalogue-like answer (categories, layers): the same for every caller and rarely
    changed, so a client keeps it and revalidates each time, getting an empty 304 instead of
    the body while nothing changed."""
    headers = {"ETag": etag_of(body), "Cache-Control": "no-cache"}
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
