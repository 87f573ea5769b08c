"""A group's patrols (防犯パトロール, 地域安全診断, 登下校の見守り): private to the group, with
the route walked and the observations made on the way. Answers are built by PostGIS, route
and observations included, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from layers.groups import tracks
from layers.groups.model import Patrol, PatrolKind, PatrolSource
from layers.store.idempotency import replayed
from layers.store.sql import Page

SUMMARY_SQL = """json_build_object(
    'id', p.id, 'group_id', p.group_id, 'kind', p.kind, 'title', p.title,
    'started_at', p.started_at, 'ended_at', p.ended_at, 'participants', p.participants,
    'notes', p.notes, 'synthetic', p.synthetic,
    'recorded_by', CASE WHEN u.id IS NULL THEN NULL
        ELSE json_build_object('user_id', u.id, 'display_name', u.display_name) END,
    'route_length_m', round(ST_Length(p.route::geography)::numeric, 1),
    'source', p.source,
    'track', json_build_object(
        'points', (SELECT count(*) FROM patrol_point t WHERE t.patrol_id = p.id),
        'gaps', coalesce((SELECT max(part) FROM patrol_point t WHERE t.patrol_id = p.id), 0),
        'dropped_inaccurate', p.dropped_inaccurate, 'dropped_too_fast', p.dropped_too_fast),
    'observation_count',
        (SELECT count(*) FROM patrol_observation o WHERE o.patrol_id = p.id),
    'created_at', p.created_at, 'updated_at', p.updated_at)"""

OBSERVATIONS_SQL = """(SELECT json_build_object('type', 'FeatureCollection', 'features',
    coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', o.id,
        'geometry', ST_AsGeoJSON(o.geom, 7)::json,
        'properties', json_build_object(
            'note', o.note, 'subject_layer', o.subject_layer, 'subject_id', o.subject_id,
            'district_id', o.district_id, 'observed_at', o.observed_at,
            'report', (SELECT r.public_id FROM report r WHERE r.id = o.report_id),
            'photos', (SELECT coalesce(json_agg(json_build_object('id', a.id,
                    'thumbnail_url', '/api/patrol-observations/' || o.id || '/photos/'
                        || a.id || '/thumbnail') ORDER BY a.id), '[]'::json)
                FROM attachment a
                WHERE a.subject_layer = 'patrol_observation' AND a.subject_id = o.id),
            'created_at', o.created_at)) ORDER BY o.id),
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


@dataclass(frozen=True)
class NewPatrol:
    group_id: int
    kind: PatrolKind
    title: str
    started_at: datetime
    ended_at: datetime | None
    participants: int
    notes: str | None
    recorded_by: int | None
    route: shapely.Geometry | None = None  # drawn, without times
    track: tracks.Kept | None = None  # fixes with times: the route is drawn from them
    source: PatrolSource = PatrolSource.api
    key: str | None = None  # SHA-256 of the Idempotency-Key
    fingerprint: str | None = None


def record_patrol(session: Session, new: NewPatrol) -> tuple[int, bool]:
    """The patrol's id, and whether it was there already: a walk sent again with the same
    Idempotency-Key (the answer was lost) gets the first patrol, and nothing is written.
    The caller holds the group's lock, so two uploads of one walk cannot both insert."""
    earlier = replayed(
        session,
        Patrol,
        new.key,
        new.fingerprint,
        ("パトロール記録", "patrol"),
        same_owner=lambda p: p.group_id == new.group_id,
    )
    if earlier is not None:
        return earlier.id, True
    track = new.track
    patrol = Patrol(
        group_id=new.group_id,
        kind=new.kind,
        title=new.title,
        started_at=new.started_at,
        ended_at=new.ended_at,
        participants=new.participants,
        notes=new.notes,
        recorded_by_user_id=new.recorded_by,
        route=from_shape(new.route, srid=STORAGE_SRID) if new.route is not None else None,
        source=new.source,
        idempotency_key=new.key,
        idempotency_fingerprint=new.fingerprint,
        dropped_inaccurate=track.dropped_inaccurate if track else 0,
        dropped_too_fast=track.dropped_too_fast if track else 0,
    )
    session.add(patrol)
    session.flush()
    if track is not None and track.fixes:
        tracks.store(session, patrol.id, track)
    return patrol.id, False
