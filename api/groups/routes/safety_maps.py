"""Groups' safety maps (防犯マップ / 地域安全マップ) and their features.

A map is private to its group until a leader publishes it. Features are places, never
people; the database assigns each its district and refuses places outside the city."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

import shapely
from fastapi import APIRouter, Depends, Request, Response
from geoalchemy2.shape import from_shape
from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from api.groups.routes.groups import group_row, vary_by_caller
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit, row_of
from geo.crs import STORAGE_SRID
from geo.geometry import GeometryError, parse_geojson_geometry, validate_lonlat
from layers.groups.model import Group
from layers.groups.safety_maps import SafetyFeatureKind, SafetyMap, SafetyMapFeature
from layers.policy import Action, can
from layers.store.base import POINT_LINE_AREA
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["safety maps"])

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

map_row = row_of(SafetyMap, "map_id", "安全マップ", "safety map")


def geometry_input(obj: dict[str, Any], allowed: tuple[str, ...]) -> shapely.Geometry:
    """A GeoJSON geometry from a request, validated (and repaired where that keeps its
    meaning) before the database sees it; a wrong CRS or swapped axes is caught here."""
    try:
        return validate_lonlat(parse_geojson_geometry(obj), allowed=set(allowed))
    except GeometryError as exc:
        raise Refused(
            exc.message_ja,
            exc.message_en,
            status=422,
            type_="/problems/invalid-geometry",
            code=exc.code,
        ) from None


class NewMap(BaseModel):
    title: Title
    description: str | None = Field(default=None, max_length=4000)


class MapChange(BaseModel):
    title: Title | None = None
    description: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _title_not_cleared(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be removed")
        return self


class FeatureProperties(BaseModel):
    kind: SafetyFeatureKind
    title: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=4000)


class NewFeature(BaseModel):
    """A GeoJSON Feature."""

    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: FeatureProperties


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def map_json(m: SafetyMap, feature_count: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": m.id,
        "title": m.title,
        "description": m.description,
        "group_id": m.group_id,
        "department_id": m.department_id,
        "is_published": m.is_published,
        "published_at": _iso(m.published_at),
        "created_at": _iso(m.created_at),
        "updated_at": _iso(m.updated_at),
    }
    if feature_count is not None:
        body["feature_count"] = feature_count
    return body


# GeoJSON is assembled by PostGIS: one query whatever the number of features.
FEATURE_SQL = """json_build_object(
    'type', 'Feature',
    'id', f.id,
    'geometry', ST_AsGeoJSON(f.geom, 7)::json,
    'properties', json_build_object(
        'kind', f.kind, 'title', f.title, 'note', f.note, 'district_id', f.district_id,
        'created_at', f.created_at, 'updated_at', f.updated_at))"""

COLLECTION = text(
    "SELECT json_build_object('type', 'FeatureCollection', 'features', "
    f"coalesce(json_agg({FEATURE_SQL} ORDER BY f.id), '[]'::json)) "
    "FROM safety_map_feature f WHERE f.safety_map_id = :map_id"
)
ONE_FEATURE = text(f"SELECT {FEATURE_SQL} FROM safety_map_feature f WHERE f.id = :feature_id")


def _feature_counts() -> Select[tuple[int, int]]:
    return select(SafetyMapFeature.safety_map_id, func.count().label("n")).group_by(
        SafetyMapFeature.safety_map_id
    )


@router.get("/api/groups/{group_id}/safety-maps", summary="グループの安全マップ / Group maps")
def list_group_maps(
    request: Request,
    response: Response,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.public_read, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    vary_by_caller(response, auth.actor)
    counts = _feature_counts().subquery()
    query = (
        select(SafetyMap, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.safety_map_id == SafetyMap.id)
        .where(SafetyMap.group_id == group.id)
    )
    # Drafts are for the group's own members; everyone else sees what it has published.
    if not can(auth.actor, Action.group_read_private, group):
        query = query.where(SafetyMap.is_published)
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(SafetyMap.updated_at.desc(), SafetyMap.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        ).all()
        items = [map_json(m, n) for m, n in rows]
    return page_body(request, page, items, matched, key="safety_maps")


@router.post(
    "/api/groups/{group_id}/safety-maps", status_code=201, summary="安全マップ作成 / New map"
)
def create_map(
    body: NewMap, auth: Authorized = permit(Action.group_edit, group_row)
) -> dict[str, Any]:
    group: Group = auth.resource
    with session_scope(auth.actor.audit) as db:
        m = SafetyMap(title=body.title, description=body.description, group_id=group.id)
        db.add(m)
        db.flush()
        db.refresh(m)
        return map_json(m, 0)


@router.get("/api/safety-maps/{map_id}", summary="安全マップ / A safety map with its features")
def get_map(auth: Authorized = permit(Action.safety_map_read, map_row)) -> dict[str, Any]:
    m: SafetyMap = auth.resource
    with session_scope() as db:
        collection = db.execute(COLLECTION, {"map_id": m.id}).scalar_one()
    return {**map_json(m, len(collection["features"])), "feature_collection": collection}


def _locked_map(db: Session, map_id: int) -> SafetyMap:
    m = db.get(SafetyMap, map_id, with_for_update=True)
    if m is None:  # deleted since permit() loaded it
        raise Refused(f"安全マップ {map_id} はありません。", f"no safety map {map_id}", status=404)
    return m


@router.patch("/api/safety-maps/{map_id}", summary="安全マップの変更 / Edit a map")
def edit_map(
    body: MapChange, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        m = _locked_map(db, auth.resource.id)
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(m, name, value)
        db.flush()
        db.refresh(m)
        return map_json(m)


@router.post("/api/safety-maps/{map_id}/publish", summary="公開 / Publish a map")
def publish_map(auth: Authorized = permit(Action.safety_map_publish, map_row)) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        m = _locked_map(db, auth.resource.id)
        if not m.is_published:  # publishing twice keeps the first publication date
            m.is_published, m.published_at = True, datetime.now(UTC)
            db.flush()
            db.refresh(m)
        return map_json(m)


@router.post("/api/safety-maps/{map_id}/unpublish", summary="非公開に戻す / Unpublish a map")
def unpublish_map(
    auth: Authorized = permit(Action.safety_map_publish, map_row),
) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        m = _locked_map(db, auth.resource.id)
        m.is_published, m.published_at = False, None
        db.flush()
        db.refresh(m)
        return map_json(m)


@router.post(
    "/api/safety-maps/{map_id}/features", status_code=201, summary="地点の追加 / Add a place"
)
def add_feature(
    body: NewFeature, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> dict[str, Any]:
    geom = geometry_input(body.geometry, POINT_LINE_AREA)
    with session_scope(auth.actor.audit) as db:
        feature = SafetyMapFeature(
            safety_map_id=auth.resource.id,
            kind=body.properties.kind,
            title=body.properties.title,
            note=body.properties.note,
            geom=from_shape(geom, srid=STORAGE_SRID),
        )
        db.add(feature)
        db.flush()  # the district trigger refuses a place outside the city here (MM001)
        result: dict[str, Any] = db.execute(ONE_FEATURE, {"feature_id": feature.id}).scalar_one()
        return result


@router.delete(
    "/api/safety-maps/{map_id}/features/{feature_id}",
    status_code=204,
    summary="地点の削除 / Remove a place",
)
def delete_feature(
    feature_id: int, auth: Authorized = permit(Action.safety_map_edit, map_row)
) -> None:
    with session_scope(auth.actor.audit) as db:
        feature = db.scalar(
            select(SafetyMapFeature).where(
                SafetyMapFeature.id == feature_id,
                SafetyMapFeature.safety_map_id == auth.resource.id,
            )
        )
        if feature is None:
            raise Refused(
                f"この安全マップに地点 {feature_id} はありません。",
                f"no feature {feature_id} on safety map {auth.resource.id}",
                status=404,
            )
        db.delete(feature)
