"""An inspection as the API shows it: the detail (with its parts and photos) and the staff's
list of summaries.

What the public reads: the date, kind, overall grade, hazard level, next due date and the
parts' grades (12条点検 results of public facilities are public information) wherever the
subject is visible. Findings, part notes, the follow-up, the inspector and the photos only
once staff released them; staff (``Action.inspection_read``) read everything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.inspections import subjects
from layers.media.stored import PhotoFile
from layers.policy import Action, Actor, can

# {full}: the caller reads what is withheld until release (staff, or a released one).
_FULL = "(:staff OR i.released)"

_SUMMARY = f"""'id', i.id,
    'kind', json_build_object('code', k.code, 'name_ja', k.name_ja, 'name_en', k.name_en,
        'grading', k.grading),
    'subject_layer', i.subject_layer, 'subject_id', i.subject_id,
    'inspected_on', i.inspected_on, 'overall_grade', i.overall_grade,
    'hazard_level', i.hazard_level,
    'inspector', CASE WHEN {_FULL} THEN json_build_object(
        'name', coalesce(i.inspector_name, u.display_name)) END,
    'department', (SELECT json_build_object('id', d.id, 'name_ja', d.name, 'name_en', d.name_en)
        FROM department d WHERE d.id = i.department_id),
    'next_due', i.next_due, 'released', i.released,
    'findings', CASE WHEN {_FULL} THEN i.findings END,
    'follow_up_action', CASE WHEN {_FULL} THEN i.follow_up_action END,
    'follow_up_due', CASE WHEN {_FULL} THEN i.follow_up_due END,
    'follow_up', CASE WHEN {_FULL} THEN i.follow_up END,
    'links', json_build_object('pdf', '/api/inspections/' || i.id || '.pdf',
        'page', '/inspections/' || i.id),
    'version', i.version, 'recorded_at', i.created_at"""

# Parts in the kind's order (a part the kind has dropped since comes last); photos the
# public may see are the released ones that have a public copy (layers/media/stored.py).
_PARTS_AND_PHOTOS = f"""
    'parts', (SELECT coalesce(json_agg(json_build_object(
            'part', g.part, 'ja', kp.p ->> 'ja', 'en', kp.p ->> 'en', 'grade', g.grade,
            'note', CASE WHEN {_FULL} THEN g.note END) ORDER BY kp.ord NULLS LAST, g.part),
            '[]'::json)
        FROM inspection_part_grade g
        LEFT JOIN jsonb_array_elements(k.parts) WITH ORDINALITY AS kp(p, ord)
            ON kp.p ->> 'code' = g.part
        WHERE g.inspection_id = i.id),
    'photos', (SELECT coalesce(json_agg(json_build_object('id', a.id,
            'url', '/api/inspections/' || i.id || '/photos/' || a.id,
            'thumbnail_url', '/api/inspections/' || i.id || '/photos/' || a.id || '/thumbnail')
            ORDER BY a.id), '[]'::json)
        FROM attachment a WHERE a.subject_layer = 'inspection' AND a.subject_id = i.id
            AND (:staff OR (i.released AND a.is_public AND a.public_key IS NOT NULL)))"""

_FROM = """FROM inspection i JOIN inspection_kind k ON k.code = i.kind
    LEFT JOIN user_account u ON u.id = i.inspector_user_id"""

DETAIL = text(f"SELECT json_build_object({_SUMMARY}, {_PARTS_AND_PHOTOS}) {_FROM} WHERE i.id = :id")

# Newest first: the latest inspection is what a subject's next due date follows.
LIST = text(
    f"""SELECT json_build_object({_SUMMARY}) {_FROM}
    WHERE (CAST(:layer AS text) IS NULL OR i.subject_layer = :layer)
      AND (CAST(:subject AS bigint) IS NULL OR i.subject_id = :subject)
      AND (CAST(:kind AS text) IS NULL OR i.kind = :kind)
    ORDER BY i.inspected_on DESC, i.id DESC LIMIT :limit OFFSET :offset"""
)

COUNT = text(
    """SELECT count(*) FROM inspection i
    WHERE (CAST(:layer AS text) IS NULL OR i.subject_layer = :layer)
      AND (CAST(:subject AS bigint) IS NULL OR i.subject_id = :subject)
      AND (CAST(:kind AS text) IS NULL OR i.kind = :kind)"""
)


def _with_subject(
    session: Session,
    actor: Actor,
    body: dict[str, Any],
    seen: dict[tuple[str, int], subjects.Subject | None],
) -> dict[str, Any] | None:
    key = (body.pop("subject_layer"), body.pop("subject_id"))
    if key not in seen:
        seen[key] = subjects.resolve(session, actor, *key)
    found = seen[key]
    if found is None:
        if not can(actor, Action.inspection_read):
            return None
        subject = subjects.gone(*key)  # deleted since: staff still read what was found
    else:
        subject = found.json()
    return {"id": body.pop("id"), "kind": body.pop("kind"), "subject": subject, **body}


def inspection_detail(session: Session, actor: Actor, inspection_id: int) -> dict[str, Any] | None:
    """The detail of the contract (docs: issue 18), or None when there is no such inspection
    or this caller may not see its subject."""
    staff = can(actor, Action.inspection_read)
    body = session.execute(DETAIL, {"id": inspection_id, "staff": staff}).scalar_one_or_none()
    if body is None:
        return None
    return _with_subject(session, actor, body, {})


def list_inspections(
    session: Session,
    actor: Actor,
    *,
    layer: str | None = None,
    subject_id: int | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Summaries (the detail without parts and photos), newest first, and how many match.
    For staff (``Action.inspection_read``)."""
    params = {"layer": layer, "subject": subject_id, "kind": kind}
    matched = int(session.execute(COUNT, params).scalar_one())
    rows = (
        session.execute(
            LIST,
            {
                **params,
                "staff": can(actor, Action.inspection_read),
                "limit": limit,
                "offset": offset,
            },
        )
        .scalars()
        .all()
    )
    seen: dict[tuple[str, int], subjects.Subject | None] = {}
    found = (_with_subject(session, actor, body, seen) for body in rows)
    return [s for s in found if s is not None], matched


PHOTO = text(
    """SELECT i.subject_layer, i.subject_id, i.released, a.is_public,
        a.storage_key, a.thumbnail_key, a.public_key, a.public_thumbnail_key, a.content_type
    FROM inspection i JOIN attachment a ON a.subject_layer = 'inspection'
        AND a.subject_id = i.id AND a.id = :photo
    WHERE i.id = :id"""
)


def photo_file(
    session: Session, actor: Actor, inspection_id: int, photo_id: int, thumbnail: bool
) -> PhotoFile | None:
    """Staff get the photo as taken; anyone who may see the subject gets the public copy of
    a released inspection's photo; None for anything else (absent and hidden alike)."""
    row = session.execute(PHOTO, {"id": inspection_id, "photo": photo_id}).first()
    if row is None:
        return None
    if can(actor, Action.inspection_read):
        key = row.thumbnail_key if thumbnail and row.thumbnail_key else row.storage_key
        return PhotoFile.of(key, row.content_type)
    if not (row.released and row.is_public and row.public_key):
        return None
    if subjects.resolve(session, actor, row.subject_layer, row.subject_id) is None:
        return None
    small = row.public_thumbnail_key
    return PhotoFile.of(small if thumbnail and small else row.public_key, row.content_type)
