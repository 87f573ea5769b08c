"""Patrols (防犯パトロール, 地域安全診断, 登下校の見守り): private to their group, with the
route walked and the observations made on the way (layers/groups/patrols.py)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.groups.loaders import group_row, patrol_row
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, acting, permit
from layers.city.geometry_input import geometry_input
from layers.groups import patrols
from layers.groups.membership import lock_group
from layers.groups.model import Group, PatrolKind
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(tags=["patrols"])

ROUTE_TYPES = ("LineString", "MultiLineString")


class NewPatrol(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "夜間パトロール（本町通り）",
                    "kind": "patrol",
                    "started_at": "2026-11-20T19:00:00+09:00",
                    "ended_at": "2026-11-20T20:30:00+09:00",
                    "participants": 6,
                    "route": {
                        "type": "LineString",
                        "coordinates": [[138.3187, 34.8669], [138.3201, 34.8676]],
                    },
                }
            ]
        }
    )

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: PatrolKind
    # With an offset: a patrol at 21:00 must not turn into 21:00 UTC (06:00 next day JST).
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    participants: int = Field(default=1, ge=1, le=10_000)
    notes: str | None = Field(default=None, max_length=10_000)
    route: dict[str, Any] | None = Field(
        default=None, description="GeoJSON LineString / MultiLineString"
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


@router.get("/api/groups/{group_id}/patrols", summary="パトロール記録 / A group's patrols")
def list_patrols(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_read_private, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    with session_scope() as db:
        found = patrols.group_patrols(db, group.id, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched, key="patrols")


@router.post("/api/groups/{group_id}/patrols", status_code=201, summary="パトロールの記録 / Record")
def record_patrol(
    body: NewPatrol, auth: Authorized = permit(Action.group_edit, group_row)
) -> dict[str, Any]:
    group_id = auth.resource.id
    route = geometry_input(body.route, ROUTE_TYPES) if body.route is not None else None
    with acting(auth, lambda db: lock_group(db, group_id)) as (db, group):
        patrol_id = patrols.record_patrol(
            db,
            group.id,
            body.kind,
            body.title,
            body.started_at,
            body.ended_at,
            body.participants,
            body.notes,
            auth.actor.user_id,
            route,
        )
    with session_scope() as db:
        return patrols.patrol_json(db, patrol_id)


@router.get("/api/patrols/{patrol_id}", summary="パトロール / A patrol with its observations")
def get_patrol(
    auth: Authorized = permit(Action.group_read_private, patrol_row),
) -> dict[str, Any]:
    with session_scope() as db:
        return patrols.patrol_json(db, auth.resource.id)
