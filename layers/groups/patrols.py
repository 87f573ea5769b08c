"""A group's patrols (防犯パトロール, 地域安全診断, 登下校の見守り): private to the group, with
the route walked and the observations made on the way. Answers are built by PostGIS, route
and observations included, in one query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from layers.groups.model import Patrol, PatrolKind
from layers.store.sql import Page

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


def patrol_json(session: Session, patrol_id: int) -> dict[str, Any]:
    body: dict[str, Any] = session.execute(ONE, {"patrol_id": patrol_id}).scalar_one()
    return body


def group_patrols(session: Session, group_id: int, limit: int, offset: int) -> Page[Any]:
    """Newest first, each with its route length and number of observations."""
    matched = (
        session.scalar(select(func.count()).select_from(Patrol).where(Patrol.group_id == group_id))
        or 0
    )
    items = list(
        session.execute(LIST, {"group_id": group_id, "limit": limit, "offset": offset}).scalars()
    )
    return Page(items, matched)


def record_patrol(
    session: Session,
    group_id: int,
    kind: PatrolKind,
    title: str,
    started_at: datetime,
    ended_at: datetime | None,
    participants: int,
    notes: str | None,
    recorded_by: int | None,
    route: shapely.Geometry | None,
) -> int:
    patrol = Patrol(
        group_id=group_id,
        kind=kind,
        title=title,
        started_at=started_at,
        ended_at=ended_at,
        participants=participants,
        notes=notes,
        recorded_by_user_id=recorded_by,
        route=from_shape(route, srid=STORAGE_SRID) if route is not None else None,
    )
    session.add(patrol)
    session.flush()
    return patrol.id
