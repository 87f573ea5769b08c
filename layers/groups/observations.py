"""What a patrol noticed on the way: a note and photos at a place, optionally about a nearby
feature (a facility, a hazard, a safety-map place), seen by the patrol's group alone, and
sent to the city as a resident report in one step (「市に知らせる」) through the reports'
own intake: the same categories, moderation, tracking link and idempotency.

The observation and its report name each other (patrol_observation.report_id), so the
city's staff see the report came from a patrol of a named group, and the group sees what
became of what it noticed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from layers.groups.model import Patrol, PatrolObservation
from layers.media.attachments import Attachment
from layers.media.storage import media_store
from layers.media.stored import PhotoFile, StoredPhoto, attach
from layers.policy import Actor, row_filter
from layers.registry import get_layer
from layers.reports import intake
from layers.reports.model import ReportSource
from layers.reports.tracking import tracking_url
from layers.store.idempotency import replayed
from layers.store.refusals import Refused
from layers.store.sql import find_row

SUBJECT = "patrol_observation"
# What an observation may be about: the features a walker passes and can name.
SUBJECT_LAYERS: dict[str, str] = {
    "facility": "name",
    "hazard": "title",
    "safety_map_feature": "coalesce(title, kind)",
}
NEARBY_MOST = 10
# 1° of longitude is ~91 km at 35° N: a box this many degrees per metre holds the circle.
DEGREES_PER_METRE = 1 / 80_000


@dataclass(frozen=True)
class ObservationAccess:
    """An observation with its patrol: the policy decides on the patrol's group."""

    observation: PatrolObservation
    patrol: Patrol

    @property
    def group_id(self) -> int:
        return self.patrol.group_id


@dataclass(frozen=True)
class Subject:
    layer: str
    id: int


@dataclass(frozen=True)
class NewObservation:
    note: str
    place: shapely.Point | None
    observed_at: datetime | None
    subject: Subject | None
    key: str | None  # SHA-256 of the Idempotency-Key
    fingerprint: str


@dataclass(frozen=True)
class ToCity:
    """「市に知らせる」: what the report says beyond the observation itself."""

    category: str
    description: str | None
    consent_publish: bool
    key: str | None  # the Idempotency-Key as sent (the intake hashes it)


def _nearby_sql(actor: Actor, layers: Sequence[str]) -> str:
    parts = []
    for layer_id in layers:
        layer = get_layer(layer_id)
        visible = row_filter(actor, layer)
        deleted = " AND deleted_at IS NULL" if layer_id == "safety_map_feature" else ""
        parts.append(
            f"SELECT '{layer_id}' AS layer, id, {SUBJECT_LAYERS[layer_id]} AS title, "
            f"kind::text AS kind, ST_Distance(geom::geography, pt.g::geography) AS distance_m "
            f'FROM "{layer.table}", pt WHERE geom && ST_Expand(pt.g, :box) '
            f"AND ({visible or 'true'}){deleted} "
            "AND ST_DWithin(geom::geography, pt.g::geography, :radius)"
        )
    return (
        "WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) "
        "SELECT coalesce(json_agg(json_build_object('layer', layer, 'id', id, 'title', title, "
        "'kind', kind, 'distance_m', round(distance_m::numeric, 1)) ORDER BY distance_m, layer, "
        "id), '[]'::json) FROM (" + " UNION ALL ".join(parts) + " ORDER BY distance_m, layer, id "
        "LIMIT :most) near"
    )


def nearby(
    session: Session, actor: Actor, lon: float, lat: float, radius_m: float
) -> list[dict[str, Any]]:
    """The features this caller may see within ``radius_m``, nearest first."""
    found: list[dict[str, Any]] = session.execute(
        text(_nearby_sql(actor, tuple(SUBJECT_LAYERS))),
        {
            "lon": lon,
            "lat": lat,
            "radius": radius_m,
            "box": radius_m * DEGREES_PER_METRE,
            "most": NEARBY_MOST,
        },
    ).scalar_one()
    return found


def _check_subject(session: Session, actor: Actor, subject: Subject) -> None:
    """The feature exists and this caller may see it: otherwise the same 422 either way, so
    an observation cannot be used to probe a group's private places."""
    if subject.layer not in SUBJECT_LAYERS:
        raise Refused(
            f"対象のレイヤー「{subject.layer}」は選べません（{', '.join(SUBJECT_LAYERS)}）。",
            f"subject_layer must be one of {', '.join(SUBJECT_LAYERS)}",
            status=422,
            allowed=list(SUBJECT_LAYERS),
        )
    layer = get_layer(subject.layer)
    visible = row_filter(actor, layer)
    deleted = " AND deleted_at IS NULL" if subject.layer == "safety_map_feature" else ""
    found = session.execute(
        text(f'SELECT 1 FROM "{layer.table}" WHERE id = :id AND ({visible or "true"}){deleted}'),
        {"id": subject.id},
    ).first()
    if found is None:
        raise Refused(
            f"{subject.layer} {subject.id} は見つかりません。",
            f"no {subject.layer} {subject.id} to attach the observation to",
            status=422,
        )


def add(
    session: Session,
    actor: Actor,
    patrol: Patrol,
    new: NewObservation,
    photos: Sequence[StoredPhoto],
) -> tuple[PatrolObservation, bool]:
    """The observation, and whether it was there already (sent again with the same key).
    The caller holds the patrol's lock."""
    earlier = replayed(
        session,
        PatrolObservation,
        new.key,
        new.fingerprint,
        ("記録", "observation"),
        same_owner=lambda o: o.patrol_id == patrol.id,
    )
    if earlier is not None:
        return earlier, True
    if new.subject is not None:
        _check_subject(session, actor, new.subject)
    observation = PatrolObservation(
        patrol_id=patrol.id,
        note=new.note,
        geom=from_shape(new.place, srid=STORAGE_SRID) if new.place is not None else None,
        observed_at=new.observed_at,
        subject_layer=new.subject.layer if new.subject else None,
        subject_id=new.subject.id if new.subject else None,
        author_user_id=actor.user_id,
        idempotency_key=new.key,
        idempotency_fingerprint=new.fingerprint,
    )
    session.add(observation)
    session.flush()
    attach(session, SUBJECT, observation.id, photos, actor.user_id)
    return observation, False


def send_to_city(
    session: Session, actor: Actor, observation: PatrolObservation, to_city: ToCity
) -> intake.Submitted:
    """The observation as a resident report, through the intake every report takes; its
    photos go with it (the same stored files, held for moderation as any report's). A second
    send of the same observation is refused, naming the report it already became — unless
    it is a retry with the first send's key, which gets that report back."""
    if observation.geom is None:
        raise Refused(
            "場所のない記録は市に知らせられません。地図で場所を指定してください。",
            "an observation without a place cannot be sent to the city",
            status=422,
        )
    new = intake.NewReport(
        category=to_city.category,
        description=to_city.description or observation.note,
        geometry=to_shape(observation.geom),
        consent_publish=to_city.consent_publish,
        source=ReportSource.patrol,
        reporter_user_id=actor.user_id,
        idempotency_key=to_city.key,
    )
    ready = intake.prepare(new, media_store())
    if observation.report_id is not None:
        submitted = intake.earlier(session, ready)
        if submitted is not None and submitted.report_id == observation.report_id:
            return submitted
        public_id = session.execute(
            text("SELECT public_id FROM report WHERE id = :id"), {"id": observation.report_id}
        ).scalar_one()
        raise Refused(
            f"この記録は通報 {public_id} として市に知らせ済みです。",
            f"this observation was already sent to the city as report {public_id}",
            status=409,
            report=public_id,
        )
    submitted = intake.submit(session, ready)
    if not submitted.replayed:
        photos = session.scalars(
            select(Attachment)
            .where(Attachment.subject_layer == SUBJECT, Attachment.subject_id == observation.id)
            .order_by(Attachment.id)
        )
        session.add_all(
            Attachment(
                subject_layer="report",
                subject_id=submitted.report_id,
                storage_key=p.storage_key,
                thumbnail_key=p.thumbnail_key,
                content_type=p.content_type,
                byte_size=p.byte_size,
                width=p.width,
                height=p.height,
                sha256=p.sha256,
                uploaded_by_user_id=actor.user_id,
            )
            for p in photos
        )
    observation.report_id = submitted.report_id
    session.flush()
    return submitted


def find(session: Session, observation_id: int | str, *, lock: bool = False) -> ObservationAccess:
    observation = find_row(
        session, PatrolObservation, observation_id, "記録", "observation", lock=lock
    )
    patrol = find_row(session, Patrol, observation.patrol_id, "パトロール記録", "patrol")
    return ObservationAccess(observation, patrol)


OBSERVATION_JSON = text(
    """SELECT json_build_object(
        'id', o.id, 'patrol_id', o.patrol_id, 'note', o.note, 'observed_at', o.observed_at,
        'geometry', ST_AsGeoJSON(o.geom, 7)::json,
        'subject', CASE WHEN o.subject_layer IS NULL THEN NULL ELSE
            json_build_object('layer', o.subject_layer, 'id', o.subject_id) END,
        'author', (SELECT json_build_object('user_id', u.id, 'display_name', u.display_name)
            FROM user_account u WHERE u.id = o.author_user_id),
        'photos', (SELECT coalesce(json_agg(json_build_object(
                'id', a.id,
                'url', '/api/patrol-observations/' || o.id || '/photos/' || a.id,
                'thumbnail_url',
                    '/api/patrol-observations/' || o.id || '/photos/' || a.id || '/thumbnail')
                ORDER BY a.id), '[]'::json)
            FROM attachment a WHERE a.subject_layer = 'patrol_observation'
                AND a.subject_id = o.id),
        'report', (SELECT json_build_object('public_id', r.public_id, 'status', r.status)
            FROM report r WHERE r.id = o.report_id),
        'created_at', o.created_at)
    FROM patrol_observation o WHERE o.id = :id"""
)


def observation_json(session: Session, observation_id: int) -> dict[str, Any]:
    body: dict[str, Any] = session.execute(OBSERVATION_JSON, {"id": observation_id}).scalar_one()
    return body


PHOTO = text(
    """SELECT storage_key, thumbnail_key, content_type FROM attachment
    WHERE subject_layer = 'patrol_observation' AND subject_id = :observation_id
        AND id = :photo_id"""
)


def photo_file(
    session: Session, observation_id: int, photo_id: int, thumbnail: bool
) -> PhotoFile | None:
    """The observation's own photo (the group's members alone get here), or None."""
    row = session.execute(PHOTO, {"observation_id": observation_id, "photo_id": photo_id}).first()
    if row is None:
        return None
    key = row.thumbnail_key if thumbnail and row.thumbnail_key else row.storage_key
    return PhotoFile.of(key, row.content_type)


def report_links(public_id: str, token: str, base: str | None) -> dict[str, str]:
    return {
        "public_id": public_id,
        "url": f"/api/reports/{public_id}",
        "tracking_url": tracking_url(public_id, token, base),
    }
