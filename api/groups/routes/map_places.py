"""The places of a safety map, made together (layers/groups/map_places.py): every save is checked
against the version its editor loaded (If-Match, 412 with the place as it is now), members
change their own places and leaders all, and every state is kept to restore."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.caching import vary_by_caller
from api.forms import LongText
from api.groups.audiences import audience
from api.groups.loaders import any_place_row, map_row, place_row
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, acting, permit
from layers.city.geometry_input import geometry_input
from layers.groups import map_places as places
from layers.groups.map_places import PlaceAccess, lock_map
from layers.groups.model import SafetyFeatureDetail, SafetyFeatureKind, SafetyMap
from layers.policy import Action
from layers.store.base import POINT_LINE_AREA
from layers.store.db import session_scope

router = APIRouter(tags=["safety maps"])

IfMatch = Header(
    default=None,
    alias="If-Match",
    description="読み込んだ地点の ETag / the ETag of the place as loaded",
    max_length=200,
)


class PlaceProperties(BaseModel):
    kind: SafetyFeatureKind
    detail: SafetyFeatureDetail | None = None
    title: str | None = Field(default=None, max_length=200)
    note: LongText | None = None


class NewPlace(BaseModel):
    """A GeoJSON Feature: a point, a line (a dark road) or an area (an overgrown park)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
                    "properties": {
                        "kind": "hard_to_see",
                        "detail": "high_wall",
                        "title": "高い塀の曲がり角",
                    },
                }
            ]
        }
    )

    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: PlaceProperties


class PlaceChanges(BaseModel):
    kind: SafetyFeatureKind | None = None
    detail: SafetyFeatureDetail | None = None
    title: str | None = Field(default=None, max_length=200)
    note: LongText | None = None


class PlaceChange(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"properties": {"note": "夜は街灯が1本だけ"}}]}
    )

    geometry: dict[str, Any] | None = None
    properties: PlaceChanges = Field(default_factory=PlaceChanges)


class Restore(BaseModel):
    version: int = Field(ge=1, le=2_147_483_647)


def _answer(body: dict[str, Any], version: int, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"ETag": f'"{version}"'})


def _changes(body: PlaceChange) -> dict[str, Any]:
    changes = body.properties.model_dump(exclude_unset=True)
    if changes.get("kind", True) is None:
        changes.pop("kind")  # a place always has a kind: null leaves it as it is
    return changes


@router.post(
    "/api/safety-maps/{map_id}/features", status_code=201, summary="地点の追加 / Add a place"
)
def add_place(
    body: NewPlace, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> JSONResponse:
    geom = geometry_input(body.geometry, POINT_LINE_AREA)
    map_id = auth.resource.id
    with acting(auth, lambda db: lock_map(db, map_id)) as (db, m):
        place = places.add_place(db, m, body.properties.model_dump(), geom, auth.actor.user_id)
        found = places.place_json(db, place, audience(auth.actor, m))
        return _answer(found, place.version, 201)


@router.get(
    "/api/safety-maps/{map_id}/features/{feature_id}", summary="地点 / A place (with its ETag)"
)
def get_place(
    response: Response, auth: Authorized = permit(Action.safety_map_read, place_row)
) -> JSONResponse:
    found: PlaceAccess = auth.resource
    with session_scope() as db:
        body = places.place_json(db, found.place, audience(auth.actor, found.map))
    answer = _answer(body, found.place.version)
    answer.headers["Vary"] = "Cookie, Authorization"
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer


def _lock(auth: Authorized, deleted: bool = False) -> Any:
    found: PlaceAccess = auth.resource

    def lock(db: Any) -> PlaceAccess:
        return places.lock_place(db, found.map.id, found.place.id, deleted=deleted)

    return lock


@router.patch(
    "/api/safety-maps/{map_id}/features/{feature_id}",
    summary="地点の変更 / Change a place (If-Match required)",
    responses={412: {"description": "ほかの人が先に変更 / changed by someone else first"}},
)
def edit_place(
    body: PlaceChange,
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.safety_map_place_edit, place_row),
) -> JSONResponse:
    geom = geometry_input(body.geometry, POINT_LINE_AREA) if body.geometry else None
    with acting(auth, _lock(auth)) as (db, found):
        who = audience(auth.actor, found.map)
        places.check_version(db, found.place, if_match, who, required=True)
        place = places.edit_place(db, found.place, _changes(body), geom)
        return _answer(places.place_json(db, place, who), place.version)


@router.delete(
    "/api/safety-maps/{map_id}/features/{feature_id}",
    status_code=204,
    summary="地点の削除（元に戻せます） / Delete a place (it can be restored)",
)
def delete_place(
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.safety_map_place_edit, place_row),
) -> None:
    with acting(auth, _lock(auth)) as (db, found):
        who = audience(auth.actor, found.map)
        places.check_version(db, found.place, if_match, who, required=False)
        places.delete_place(db, found.place)


@router.post(
    "/api/safety-maps/{map_id}/features/{feature_id}/restore",
    summary="前の版に戻す・削除を取り消す / Restore a version, or a deleted place",
)
def restore_place(
    body: Restore, auth: Authorized = permit(Action.safety_map_place_edit, any_place_row)
) -> JSONResponse:
    with acting(auth, _lock(auth, deleted=True)) as (db, found):
        place = places.restore(db, found.place, body.version)
        return _answer(places.place_json(db, place, audience(auth.actor, found.map)), place.version)


@router.get("/api/safety-maps/{map_id}/history", summary="変更の記録 / The map's history")
def map_history(
    request: Request,
    response: Response,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_read_private, map_row),
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    with session_scope() as db:
        found = places.history(db, auth.resource.id, None, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched, key="versions")


@router.get(
    "/api/safety-maps/{map_id}/features/{feature_id}/history",
    summary="地点の変更の記録 / A place's history",
)
def place_history(
    request: Request,
    response: Response,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_read_private, any_place_row),
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    found: PlaceAccess = auth.resource
    with session_scope() as db:
        versions = places.history(db, found.map.id, found.place.id, page.limit, page.offset)
    return page_body(request, page, versions.items, versions.matched, key="versions")


@router.get(
    "/api/safety-maps/{map_id}/deleted", summary="削除した地点 / Deleted places (to restore)"
)
def deleted_places(
    response: Response, auth: Authorized = permit(Action.group_read_private, map_row)
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    m: SafetyMap = auth.resource
    with session_scope() as db:
        return places.deleted_places(db, m, audience(auth.actor, m))
