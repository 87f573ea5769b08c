"""A group's safety maps (防犯マップ / 地域安全マップ) and their places: private to the group
until a leader publishes them. Features are places, never people; the database assigns each
its district and refuses places outside the city. GeoJSON is assembled by PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from layers.groups.model import SafetyFeatureKind, SafetyMap, SafetyMapFeature
from layers.store.refusals import Refused
from layers.store.sql import Page, counted_page, find_row


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


# One query whatever the number of features.
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


def group_maps(
    session: Session, group_id: int, with_drafts: bool, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """The group's maps, most recently changed first. Drafts are for the group's own
    members (``with_drafts``); everyone else sees what it has published."""
    counts = (
        select(SafetyMapFeature.safety_map_id, func.count().label("n"))
        .group_by(SafetyMapFeature.safety_map_id)
        .subquery()
    )
    query = (
        select(SafetyMap, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.safety_map_id == SafetyMap.id)
        .where(SafetyMap.group_id == group_id)
    )
    if not with_drafts:
        query = query.where(SafetyMap.is_published)
    query = query.order_by(SafetyMap.updated_at.desc(), SafetyMap.id.desc())
    found = counted_page(session, query, limit, offset)
    return Page([map_json(m, n) for m, n in found.items], found.matched)


def create_map(
    session: Session, group_id: int, title: str, description: str | None
) -> dict[str, Any]:
    m = SafetyMap(title=title, description=description, group_id=group_id)
    session.add(m)
    session.flush()
    session.refresh(m)
    return map_json(m, 0)


def map_with_features(session: Session, m: SafetyMap) -> dict[str, Any]:
    collection = session.execute(COLLECTION, {"map_id": m.id}).scalar_one()
    return {**map_json(m, len(collection["features"])), "feature_collection": collection}


def lock_map(session: Session, map_id: int) -> SafetyMap:
    return find_row(session, SafetyMap, map_id, "安全マップ", "safety map", lock=True)


def edit_map(session: Session, m: SafetyMap, changes: dict[str, Any]) -> dict[str, Any]:
    for name, value in changes.items():
        setattr(m, name, value)
    session.flush()
    session.refresh(m)
    return map_json(m)


def publish(session: Session, m: SafetyMap) -> dict[str, Any]:
    if not m.is_published:  # publishing twice keeps the first publication date
        m.is_published, m.published_at = True, datetime.now(UTC)
        session.flush()
        session.refresh(m)
    return map_json(m)


def unpublish(session: Session, m: SafetyMap) -> dict[str, Any]:
    m.is_published, m.published_at = False, None
    session.flush()
    session.refresh(m)
    return map_json(m)


def add_feature(
    session: Session,
    m: SafetyMap,
    kind: SafetyFeatureKind,
    title: str | None,
    note: str | None,
    geom: shapely.Geometry,
) -> dict[str, Any]:
    feature = SafetyMapFeature(
        safety_map_id=m.id,
        kind=kind,
        title=title,
        note=note,
        geom=from_shape(geom, srid=STORAGE_SRID),
    )
    session.add(feature)
    session.flush()  # the district trigger refuses a place outside the city here (MM001)
    added: dict[str, Any] = session.execute(ONE_FEATURE, {"feature_id": feature.id}).scalar_one()
    return added


def delete_feature(session: Session, m: SafetyMap, feature_id: int) -> None:
    feature = session.scalar(
        select(SafetyMapFeature).where(
            SafetyMapFeature.id == feature_id, SafetyMapFeature.safety_map_id == m.id
        )
    )
    if feature is None:
        raise Refused(
            f"この安全マップに地点 {feature_id} はありません。",
            f"no feature {feature_id} on safety map {m.id}",
            status=404,
        )
    session.delete(feature)
