"""`GET /api/places?q=`: find a facility, address or district by what people type (the
report flow's alternative to the map)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.openapi import WORDS_PATTERN
from api.permissions import Authorized, permit
from layers.policy import Action
from layers.serving import places
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api", tags=["places"])


@router.get("/places", summary="場所を探す / Find a place by name or address")
def find_places(
    q: Annotated[
        str,
        Query(
            max_length=places.MAX_QUERY,
            json_schema_extra={"pattern": WORDS_PATTERN},
            description="施設名・よみ・住所・地区名 / a facility's name or reading, an address, "
            "a district",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
    auth: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    if not places.normalise(q).words:
        raise Refused(
            "探す場所の名前か住所を入力してください。",
            "type a place name or an address to search for",
            status=422,
        )
    with session_scope() as db:
        return places.search(db, auth.actor, q, limit)
