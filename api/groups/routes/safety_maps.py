"""Groups' safety maps (防犯マップ / 地域安全マップ) (layers/groups/safety_maps.py). A map is
private to its group until a leader publishes it; its places are api/groups/routes/map_places.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from api.caching import vary_by_caller
from api.forms import LongText
from api.groups.audiences import audience
from api.groups.loaders import group_row, map_row
from api.pagination import Page, page_body, page_params
from api.params import BodyId
from api.permissions import Authorized, acting, permit
from layers.groups import safety_maps as maps
from layers.groups.map_places import lock_map
from layers.groups.membership import lock_group
from layers.groups.model import Group, SafetyMap
from layers.groups.starting_points import StartingPoint
from layers.groups.starting_points import add_starting_points as add_points
from layers.policy import Action, can
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
    # The map's area; the group's district when not given.
    district_id: BodyId | None = None


class MapChange(BaseModel):
    title: Title | None = None
    description: LongText | None = None
    district_id: BodyId | None = None

    @model_validator(mode="after")
    def _title_not_cleared(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be removed")
        return self


class StartingPoints(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sources": ["child_safe_house", "police_box", "aed"]}]}
    )

    sources: list[StartingPoint] = Field(min_length=1, max_length=len(StartingPoint))
    district_id: BodyId | None = None


@router.get("/api/safety-maps", summary="公開中の安全マップ / Published safety maps")
def list_published(
    request: Request,
    page: Page = Depends(page_params),
    _: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    with session_scope() as db:
        found = maps.published_maps(db, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched, key="safety_maps")


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
        return maps.create_map(db, group.id, body.title, body.description, body.district_id)


@router.get("/api/safety-maps/{map_id}", summary="安全マップ / A safety map with its places")
def get_map(
    response: Response, auth: Authorized = permit(Action.safety_map_read, map_row)
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    m: SafetyMap = auth.resource
    who = audience(auth.actor, m)
    with session_scope() as db:
        found = maps.map_view(db, m, who)
    found["can"] = {
        "edit": who.member and can(auth.actor, Action.safety_map_edit, m),
        "publish": who.leader,
    }
    return found


def _locked(auth: Authorized) -> Callable[[Session], SafetyMap]:
    """For acting(): the map of this request, locked."""
    map_id = auth.resource.id
    return lambda db: lock_map(db, map_id)


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
    "/api/safety-maps/{map_id}/starting-points",
    summary="市のデータから追加 / Add the city's 子どもを守る家, 交番 and AEDs in the area",
)
def add_starting_points(
    body: StartingPoints, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> dict[str, Any]:
    with acting(auth, _locked(auth)) as (db, m):
        return add_points(db, m, body.sources, body.district_id, auth.actor.user_id)
