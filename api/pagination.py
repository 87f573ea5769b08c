"""The one pagination style: limit/offset with OGC-style `next`/`prev` links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Query, Request

from layers.store.sql import BIGINT_MAX

MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_params(
    limit: int = Query(50, ge=1, description="件数 / items per page (clamped to 500)"),
    offset: int = Query(0, ge=0, le=BIGINT_MAX, description="開始位置 / items to skip"),
) -> Page:
    # An oversized limit is clamped, not refused (OGC API - Features behaviour).
    return Page(min(limit, MAX_LIMIT), offset)


def page_body(
    request: Request, page: Page, items: list[Any], matched: int, key: str = "items"
) -> dict[str, Any]:
    links = [{"rel": "self", "href": str(request.url), "type": "application/json"}]
    if page.offset + len(items) < matched:
        links.append({"rel": "next", "href": next_url(request, page), "type": "application/json"})
    previous = prev_url(request, page)
    if previous is not None:
        links.append({"rel": "prev", "href": previous, "type": "application/json"})
    return {key: items, "numberMatched": matched, "numberReturned": len(items), "links": links}


def next_url(request: Request, page: Page) -> str:
    """This request's URL for the page after ``page`` (other parameters kept)."""
    return str(request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit))


def prev_url(request: Request, page: Page) -> str | None:
    if page.offset <= 0:
        return None
    url = request.url.include_query_params(
        offset=max(0, page.offset - page.limit), limit=page.limit
    )
    return str(url)
