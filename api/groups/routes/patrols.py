"""Patrols (防犯パトロール, 地域安全診断, 登下校の見守り): private to their group, with the
route walked and the observations made on the way (layers/groups/patrols.py)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.groups.loaders import group_row, patrol_row
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, acting, permit
from layers.city.geometry_input import geometry_input
from layers.groups import patrols, tracks
from layers.groups.membership import lock_group
from layers.groups.model import Group, PatrolKind, PatrolSource
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.idempotency import checked_key, fingerprint, key_hash
from layers.store.settings import get_settings

router = APIRouter(tags=["patrols"])

ROUTE_TYPES = ("LineString", "MultiLineString")


class TrackFix(BaseModel):
    """One fix as the browser's geolocation gave it."""

    lon: float
    lat: float
    t: AwareDatetime
    acc: float | None = Field(default=None, ge=0, description="accuracy radius, metres")
    ele: float | None = Field(default=None, description="elevation, metres")
    seg: int = Field(default=0, ge=0, description="the recorder's stretch: new after a pause")


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
    # Without it, a track's first fix is the start and its last the end.
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    participants: int = Field(default=1, ge=1, le=10_000)
    notes: str | None = Field(default=None, max_length=10_000)
    route: dict[str, Any] | None = Field(
        default=None, description="GeoJSON LineString / MultiLineString, drawn (no times)"
    )
    track: list[TrackFix] | None = Field(
        default=None,
        description=(
            "The fixes a phone recorded, in time order: filtered as the walk page shows "
            "(accuracy, speed) and split where the recording had a gap"
        ),
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.route is not None and self.track is not None:
            raise ValueError("send a route or a track, not both")
        if self.started_at is None and not self.track:
            raise ValueError("started_at is required without a track")
        started, ended = self.started_at, self.ended_at
        if ended is not None and started is not None and ended < started:
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
    body: NewPatrol,
    request: Request,
    auth: Authorized = permit(Action.group_edit, group_row),
) -> Response:
    """A patrol with its route drawn (``route``), or as a phone recorded it (``track``).
    Send an ``Idempotency-Key`` header: a walk sent again gets the first patrol back."""
    group_id = auth.resource.id
    key = checked_key(request.headers.get("idempotency-key"))
    route = geometry_input(body.route, ROUTE_TYPES) if body.route is not None else None
    track = None
    if body.track is not None:
        fixes = [tracks.Fix(f.lon, f.lat, f.t, f.acc, f.ele, f.seg) for f in body.track]
        settings = get_settings()
        tracks.checked(fixes, settings.track_max_points)
        track = tracks.keep(fixes, tracks.phone_rules(settings))
    started = body.started_at or (body.track[0].t if body.track else None)
    ended = body.ended_at or (body.track[-1].t if body.track else None)
    assert started is not None  # the model requires one or the other
    with acting(auth, lambda db: lock_group(db, group_id)) as (db, group):
        patrol_id, replayed = patrols.record_patrol(
            db,
            patrols.NewPatrol(
                group_id=group.id,
                kind=body.kind,
                title=body.title,
                started_at=started,
                ended_at=ended,
                participants=body.participants,
                notes=body.notes,
                recorded_by=auth.actor.user_id,
                route=route,
                track=track,
                source=PatrolSource.phone if track is not None else PatrolSource.api,
                key=key_hash(key),
                fingerprint=fingerprint(body.model_dump(mode="json")),
            ),
        )
    with session_scope() as db:
        answer = patrols.patrol_json(db, patrol_id)
    headers = {"Location": f"/api/patrols/{patrol_id}", "Cache-Control": "no-store"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(jsonable_encoder(answer), status_code=201, headers=headers)


@router.get("/api/patrols/{patrol_id}", summary="パトロール / A patrol with its observations")
def get_patrol(
    auth: Authorized = permit(Action.group_read_private, patrol_row),
) -> dict[str, Any]:
    with session_scope() as db:
        return patrols.patrol_json(db, auth.resource.id)
