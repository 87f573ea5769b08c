"""`GET /api/places?q=`: find a facility, address, 町丁目 or district by what people type
(the report flow's alternative to the map); `GET /api/places/describe`: a point in words."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.openapi import WORDS_PATTERN
from api.permissions import Authorized, permit
from layers.places import describe, search
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api", tags=["places"])


@router.get("/places", summary="場所を探す / Find a place by name or address")
def find_places(
    q: Annotated[
        str,
        Query(
            max_length=search.MAX_QUERY,
            json_schema_extra={"pattern": WORDS_PATTERN},
            description="施設名・よみ・住所・町丁目・地区名 / a facility's name or reading, an "
            "address, a 町丁目, a district",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
    auth: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    if not search.normalise(q).words:
        raise Refused(
            "探す場所の名前か住所を入力してください。",
            "type a place name or an address to search for",
            status=422,
        )
    with session_scope() as db:
        return search.search(db, auth.actor, q, limit)


@router.get(
    "/places/describe",
    summary="地点を言葉で / A point in words: its 町丁目 and the nearest named place",
)
def describe_point(
    lon: Annotated[float, Query(ge=-180, le=180, description="経度 / longitude (WGS 84)")],
    lat: Annotated[float, Query(ge=-90, le=90, description="緯度 / latitude (WGS 84)")],
    auth: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    """町丁目 (nearest representative point, within the city) and the nearest public named
    place within 1 km: its distance in metres (rounded) and the direction from it to the
    point (n, ne, e, se, s, sw, w, nw; null when the point is at the place). Nulls when
    there is none."""
    with session_scope() as db:
        return describe.describe(db, auth.actor, lon, lat)
