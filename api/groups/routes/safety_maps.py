"""Groups' safety maps (防犯マップ / 地域安全マップ) and their places
(layers/groups/safety_maps.py). A map is private to its group until a leader publishes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from api.caching import vary_by_caller
from api.forms import LongText
from api.groups.loaders import group_row, map_row
from api.pagination import Page, page_body, page_params
from api.params import PathId
from api.permissions import Authorized, acting, permit
from layers.city.geometry_input import geometry_input
from layers.groups import safety_maps as maps
from layers.groups.membership import lock_group
from layers.groups.model import Group, SafetyFeatureKind, SafetyMap
from layers.policy import Action, can
from layers.store.base import POINT_LINE_AREA
from layers.store.db import session_scope

router = APIRouter(tags=["safety maps"])

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class NewMap(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "大井川小学校区 地域安全マップ",
                    "description": "4年生が歩いて作りました。",
                }
            ]
        }
    )

    title: Title
    description: LongText | None = None


class MapChange(BaseModel):
    title: Title | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _title_not_cleared(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be removed")
        return self


class FeatureProperties(BaseModel):
    kind: SafetyFeatureKind
    title: str | None = Field(default=None, max_length=200)
    note: LongText | None = None


class NewFeature(BaseModel):
    """A GeoJSON Feature."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
                    "properties": {"kind": "hard_to_see", "title": "見通しの悪い曲がり角"},
                }
            ]
        }
    )

    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: FeatureProperties


@router.get("/api/groups/{group_id}/safety-maps", summary="グループの安全マップ / Group maps")
def list_group_maps(
    request: Request,
    response: Response,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.public_read, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    vary_by_caller(response, auth.actor)
    # Drafts are for the group's own members; everyone else sees what it has published.
    drafts = can(auth.actor, Action.group_read_private, group)
    with session_scope() as db:
        found = maps.group_maps(db, group.id, drafts, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched, key="safety_maps")


@router.post(
    "/api/groups/{group_id}/safety-maps", status_code=201, summary="安全マップ作成 / New map"
)
def create_map(
    body: NewMap, auth: Authorized = permit(Action.group_edit, group_row)
) -> dict[str, Any]:
    group_id = auth.resource.id
    with acting(auth, lambda db: lock_group(db, group_id)) as (db, group):
        return maps.create_map(db, group.id, body.title, body.description)


@router.get("/api/safety-maps/{map_id}", summary="安全マップ / A safety map with its features")
def get_map(auth: Authorized = permit(Action.safety_map_read, map_row)) -> dict[str, Any]:
    with session_scope() as db:
        return maps.map_with_features(db, auth.resource)


def _locked(auth: Authorized) -> Callable[[Session], SafetyMap]:
    """For acting(): the map of this request, locked."""
    map_id = auth.resource.id
    return lambda db: maps.lock_map(db, map_id)


@router.patch("/api/safety-maps/{map_id}", summary="安全マップの変更 / Edit a map")
def edit_map(
    body: MapChange, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> dict[str, Any]:
    with acting(auth, _locked(auth)) as (db, m):
        return maps.edit_map(db, m, body.model_dump(exclude_unset=True))


@router.post("/api/safety-maps/{map_id}/publish", summary="公開 / Publish a map")
def publish_map(auth: Authorized = permit(Action.safety_map_publish, map_row)) -> dict[str, Any]:
    with acting(auth, _locked(auth)) as (db, m):
        return maps.publish(db, m)


@router.post("/api/safety-maps/{map_id}/unpublish", summary="非公開に戻す / Unpublish a map")
def unpublish_map(
    auth: Authorized = permit(Action.safety_map_publish, map_row),
) -> dict[str, Any]:
    with acting(auth, _locked(auth)) as (db, m):
        return maps.unpublish(db, m)


@router.post(
    "/api/safety-maps/{map_id}/features", status_code=201, summary="地点の追加 / Add a place"
)
def add_feature(
    body: NewFeature, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> dict[str, Any]:
    geom = geometry_input(body.geometry, POINT_LINE_AREA)
    props = body.properties
    with acting(auth, _locked(auth)) as (db, m):
        return maps.add_feature(db, m, props.kind, props.title, props.note, geom)


@router.delete(
    "/api/safety-maps/{map_id}/features/{feature_id}",
    status_code=204,
    summary="地点の削除 / Remove a place",
)
def delete_feature(
    feature_id: PathId, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> None:
    with acting(auth, _locked(auth)) as (db, m):
        maps.delete_feature(db, m, feature_id)
