"""`GET /api/shelters/nearest`: the nearest sites designated for a disaster, with their
straight-line distance (the public map's 「近くの避難所」)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.media import GEOJSON, GeoJSONResponse
from api.permissions import Authorized, permit
from layers.city import shelters
from layers.city.facilities import DisasterType
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(prefix="/api/shelters", tags=["shelters"])


@router.get(
    "/nearest",
    summary="近くの避難所 / The nearest shelters and evacuation sites",
    response_class=GeoJSONResponse,
)
def nearest_shelters(
    lon: Annotated[float, Query(ge=-180, le=180, description="経度 / longitude (WGS 84)")],
    lat: Annotated[float, Query(ge=-90, le=90, description="緯度 / latitude (WGS 84)")],
    disaster: Annotated[
        DisasterType | None,
        Query(description="災害の種類 / the disaster the site must be designated for"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    with session_scope() as db:
        body = shelters.nearest(db, auth.actor, lon, lat, disaster, limit)
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "no-cache"})
