"""Patrols (防犯パトロール, 地域安全診断, 登下校の見守り): private to their group, with the
route walked and the observations made on the way."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Request
from geoalchemy2.shape import from_shape
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import func, select, text

from api.groups.routes.groups import group_row
from api.groups.routes.safety_maps import geometry_input
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit, row_of
from geo.crs import STORAGE_SRID
from layers.groups.model import Group
from layers.groups.patrols import Patrol, PatrolKind
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(tags=["patrols"])

ROUTE_TYPES = ("LineString", "MultiLineString")


class NewPatrol(BaseModel):
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


# Built by PostGIS, route and observations included, in one query per answer.
SUMMARY_SQL = """json_build_object(
    'id', p.id, 'group_id', p.group_id, 'kind', p.kind, 'title', p.title,
    'started_at', p.started_at, 'ended_at', p.ended_at, 'participants', p.participants,
    'notes', p.notes, 'synthetic', p.synthetic,
    'recorded_by', CASE WHEN u.id IS NULL THEN NULL
        ELSE json_build_object('user_id', u.id, 'display_name', u.display_name) END,
    'route_length_m', round(ST_Length(p.route::geography)::numeric, 1),
    'observation_count',
        (SELECT count(*) FROM patrol_observation o WHERE o.patrol_id = p.id),
    'created_at', p.created_at, 'updated_at', p.updated_at)"""

OBSERVATIONS_SQL = """(SELECT json_build_object('type', 'FeatureCollection', 'features',
    coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', o.id,
        'geometry', ST_AsGeoJSON(o.geom, 7)::json,
        'properties', json_build_object(
            'note', o.note, 'subject_layer', o.subject_layer, 'subject_id', o.subject_id,
            'district_id', o.district_id, 'created_at', o.created_at)) ORDER BY o.id),
        '[]'::json))
    FROM patrol_observation o WHERE o.patrol_id = p.id)"""

FROM_SQL = "FROM patrol p LEFT JOIN user_account u ON u.id = p.recorded_by_user_id"

LIST = text(
    f"SELECT {SUMMARY_SQL} {FROM_SQL} WHERE p.group_id = :group_id "
    "ORDER BY p.started_at DESC, p.id DESC LIMIT :limit OFFSET :offset"
)
ONE = text(
    f"SELECT ({SUMMARY_SQL})::jsonb || jsonb_build_object("
    f"'route', ST_AsGeoJSON(p.route, 7)::jsonb, 'observations', {OBSERVATIONS_SQL}) "
    f"{FROM_SQL} WHERE p.id = :patrol_id"
)


def _patrol_json(patrol_id: int) -> dict[str, Any]:
    with session_scope() as db:
        body: dict[str, Any] = db.execute(ONE, {"patrol_id": patrol_id}).scalar_one()
    return body


@router.get("/api/groups/{group_id}/patrols", summary="パトロール記録 / A group's patrols")
def list_patrols(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_read_private, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    with session_scope() as db:
        matched = (
            db.scalar(select(func.count()).select_from(Patrol).where(Patrol.group_id == group.id))
            or 0
        )
        items = list(
            db.execute(
                LIST, {"group_id": group.id, "limit": page.limit, "offset": page.offset}
            ).scalars()
        )
    return page_body(request, page, items, matched, key="patrols")


@router.post("/api/groups/{group_id}/patrols", status_code=201, summary="パトロールの記録 / Record")
def record_patrol(
    body: NewPatrol, auth: Authorized = permit(Action.group_edit, group_row)
) -> dict[str, Any]:
    group: Group = auth.resource
    route = geometry_input(body.route, ROUTE_TYPES) if body.route is not None else None
    with session_scope(auth.actor.audit) as db:
        patrol = Patrol(
            group_id=group.id,
            kind=body.kind,
            title=body.title,
            started_at=body.started_at,
            ended_at=body.ended_at,
            participants=body.participants,
            notes=body.notes,
            recorded_by_user_id=auth.actor.user_id,
            route=from_shape(route, srid=STORAGE_SRID) if route is not None else None,
        )
        db.add(patrol)
        db.flush()
        patrol_id = patrol.id
    return _patrol_json(patrol_id)


@router.get("/api/patrols/{patrol_id}", summary="パトロール / A patrol with its observations")
def get_patrol(
    auth: Authorized = permit(
        Action.group_read_private, row_of(Patrol, "patrol_id", "パトロール記録", "patrol")
    ),
) -> dict[str, Any]:
    return _patrol_json(auth.resource.id)
