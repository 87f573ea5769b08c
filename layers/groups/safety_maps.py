"""A group's safety maps (防犯マップ / 地域安全マップ): private to the group until a leader
publishes them, then one public layer and a public page each. Their places are
layers/groups/map_places.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from layers.groups.map_places import Audience, collection
from layers.groups.model import Group, SafetyMap, SafetyMapFeature
from layers.store.sql import Page, counted_page


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def map_json(m: SafetyMap, feature_count: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": m.id,
        "title": m.title,
        "description": m.description,
        "group_id": m.group_id,
        "department_id": m.department_id,
        "district_id": m.district_id,
        "is_published": m.is_published,
        "published_at": _iso(m.published_at),
        "created_at": _iso(m.created_at),
        "updated_at": _iso(m.updated_at),
    }
    if feature_count is not None:
        body["feature_count"] = feature_count
    return body


LIVE = SafetyMapFeature.deleted_at.is_(None)

# The group, the number of places and their extent, for a map's heading.
SUMMARY = text(
    """SELECT jsonb_build_object(
        'group', (SELECT jsonb_build_object('id', g.id, 'name', g.name, 'kind', g.kind)
            FROM community_group g WHERE g.id = m.group_id),
        'feature_count', (SELECT count(*) FROM safety_map_feature f
            WHERE f.safety_map_id = m.id AND f.deleted_at IS NULL),
        'bbox', (SELECT CASE WHEN e IS NOT NULL THEN jsonb_build_array(
                round(ST_XMin(e)::numeric, 6), round(ST_YMin(e)::numeric, 6),
                round(ST_XMax(e)::numeric, 6), round(ST_YMax(e)::numeric, 6)) END
            FROM (SELECT ST_Extent(f.geom)::geometry AS e FROM safety_map_feature f
                WHERE f.safety_map_id = m.id AND f.deleted_at IS NULL) x))
    FROM safety_map m WHERE m.id = :map_id"""
)

PUBLISHED = text(
    """SELECT jsonb_build_object('id', m.id, 'title', m.title, 'description', m.description,
        'published_at', m.published_at,
        'group', jsonb_build_object('id', g.id, 'name', g.name, 'kind', g.kind),
        'feature_count', (SELECT count(*) FROM safety_map_feature f
            WHERE f.safety_map_id = m.id AND f.deleted_at IS NULL))
    FROM safety_map m LEFT JOIN community_group g ON g.id = m.group_id
    WHERE m.is_published
    ORDER BY m.published_at DESC, m.id DESC LIMIT :limit OFFSET :offset"""
)
PUBLISHED_COUNT = text("SELECT count(*) FROM safety_map WHERE is_published")


def group_maps(
    session: Session, group_id: int, with_drafts: bool, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """The group's maps, most recently changed first. Drafts are for the group's own
    members (``with_drafts``); everyone else sees what it has published."""
    counts = (
        select(SafetyMapFeature.safety_map_id, func.count().label("n"))
        .where(LIVE)
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


def published_maps(session: Session, limit: int, offset: int) -> Page[dict[str, Any]]:
    """Every published map, newest first: what the public map and its list offer."""
    items = session.execute(PUBLISHED, {"limit": limit, "offset": offset}).scalars()
    return Page(list(items), int(session.execute(PUBLISHED_COUNT).scalar_one()))


def create_map(
    session: Session,
    group_id: int,
    title: str,
    description: str | None,
    district_id: int | None = None,
) -> dict[str, Any]:
    if district_id is None:  # the group's own area, unless the map says otherwise
        group = session.get(Group, group_id)
        district_id = group.district_id if group is not None else None
    m = SafetyMap(title=title, description=description, group_id=group_id, district_id=district_id)
    session.add(m)
    session.flush()
    session.refresh(m)
    return map_json(m, 0)


def map_view(session: Session, m: SafetyMap, who: Audience) -> dict[str, Any]:
    """The map with its group, extent and places, as ``who`` may see them."""
    summary = session.execute(SUMMARY, {"map_id": m.id}).scalar_one()
    return {**map_json(m), **summary, "feature_collection": collection(session, m, who)}


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
