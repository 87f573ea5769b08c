"""What a caller may see of one report, built as JSON by PostgreSQL in one statement.

Three audiences, decided by the permission check (layers/policy.py) before this runs:
- the public: a published report of a non-sensitive category, its moderated text, public
  comments and the photos staff released; never the reporter, the original text or contact;
- the reporter (signed in, or holding the tracking link): also what they sent, including
  their own contact and every photo;
- staff: also the department, internal notes and the links staff keep.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.media.stored import PhotoFile
from layers.reports.model import REOPENABLE_STATUSES, STATUS_LABELS, Report, ReportCategory
from layers.reports.tracking import photo_total
from layers.serving.records import label_map
from layers.store.sql import Page, counted_page


class Audience(enum.IntEnum):
    public = 0
    reporter = 1
    staff = 2


@dataclass(frozen=True)
class Offered:
    """What the policy lets this caller do to the report (decided by the caller of
    report_json through layers/policy.py); the statement adds what the report's state allows,
    so an answer given after a change (a reopen, photos added) offers what is possible now."""

    follow_up: bool = False  # the reporter: add photos, say it is not fixed
    support: bool = False  # 「私も困っています」


# The actions a page may offer, read by the tracking page rather than guessing from the status.
ACTIONS = """json_build_object(
        'add_photos', :follow_up AND (SELECT count(*) FROM attachment a
            WHERE a.subject_layer = 'report' AND a.subject_id = r.id) < :photo_total,
        'reopen', :follow_up AND r.status = ANY(:reopenable),
        'support', :support)"""


# Sent as one parameter (as layers/serving/records.py does), so the statement text stays the same.
STATUS_LABELS_JSON = json.dumps(label_map(STATUS_LABELS), ensure_ascii=False)
_STATUS_LABEL = "(CAST(:status_labels AS jsonb) -> {column})"


# Photos the public may see: staff released them with a public copy, the reporter
# consented, the report is published and its category is not about people or private
# property.
PHOTOS = """(SELECT coalesce(json_agg(json_build_object(
        'id', a.id, 'width', a.width, 'height', a.height, 'content_type', a.content_type,
        'url', '/api/reports/' || r.public_id || '/photos/' || a.id,
        'thumbnail_url', '/api/reports/' || r.public_id || '/photos/' || a.id || '/thumbnail',
        'published', a.is_public AND r.consent_publish,
        'blurred', a.public_key IS DISTINCT FROM a.storage_key AND a.public_key IS NOT NULL,
        'added_at', a.created_at) ORDER BY a.id), '[]'::json)
    FROM attachment a WHERE a.subject_layer = 'report' AND a.subject_id = r.id
      AND (:audience > 0 OR (a.is_public AND r.consent_publish AND a.public_key IS NOT NULL)))"""

HISTORY = f"""(SELECT coalesce(json_agg(json_build_object(
        'at', s.created_at, 'from', s.from_status, 'to', s.to_status,
        'label', {_STATUS_LABEL.format(column="s.to_status")}, 'public_comment', s.public_comment,
        'by_reporter', s.by_reporter,
        'internal_note', CASE WHEN :audience = 2 THEN s.internal_note END
        ) ORDER BY s.created_at, s.id), '[]'::json)
    FROM report_status_change s WHERE s.report_id = r.id)"""

VIEW = text(
    f"""SELECT (jsonb_build_object(
        'public_id', r.public_id,
        'category', json_build_object('code', c.code, 'name_ja', c.name_ja,
            'name_en', c.name_en, 'icon', c.icon, 'sensitive', c.sensitive),
        'status', r.status, 'status_label', {_STATUS_LABEL.format(column="r.status")},
        'open', r.status IN ('submitted', 'accepted', 'in_progress'),
        'public_description', r.public_description,
        'geometry', ST_AsGeoJSON(r.geom, 7)::json,
        'district', (SELECT json_build_object('id', d.id, 'name', d.name, 'name_en', d.name_en)
            FROM district d WHERE d.id = r.district_id),
        'supporter_count', r.supporter_count,
        'responsible_party', r.responsible_party,
        'duplicate_of', (SELECT o.public_id FROM report o
            WHERE o.id = r.duplicate_of_id AND (o.is_public OR :audience = 2)),
        'hazard_id', r.hazard_id,
        'created_at', r.created_at, 'updated_at', r.updated_at, 'published_at', r.published_at,
        'history', {HISTORY},
        'photos', {PHOTOS},
        'actions', {ACTIONS})
    || CASE WHEN :audience >= 1 THEN jsonb_build_object(
        'description', r.description, 'is_public', r.is_public,
        'consent_publish', r.consent_publish,
        'location_accuracy_m', r.location_accuracy_m, 'location_source', r.location_source,
        'contact', (SELECT json_build_object('name', k.name, 'email', k.email,
            'phone', k.phone, 'notify', k.notify) FROM report_contact k WHERE k.report_id = r.id))
        ELSE '{{}}'::jsonb END
    || CASE WHEN :audience = 2 THEN jsonb_build_object(
        'id', r.id, 'source', r.source, 'reporter_user_id', r.reporter_user_id,
        'department', (SELECT json_build_object('id', p.id, 'code', p.code, 'name', p.name,
            'name_en', p.name_en) FROM department p WHERE p.id = r.department_id),
        'subject_layer', r.subject_layer, 'subject_id', r.subject_id,
        'patrol', (SELECT json_build_object('patrol_id', p.id, 'observation_id', o.id,
                'group_id', g.id, 'group_name', g.name, 'patrol_kind', p.kind,
                'patrol_started_at', p.started_at)
            FROM patrol_observation o JOIN patrol p ON p.id = o.patrol_id
            JOIN community_group g ON g.id = p.group_id WHERE o.report_id = r.id))
        ELSE '{{}}'::jsonb END)::text
    FROM report r JOIN report_category c ON c.id = r.category_id
    WHERE r.id = :report_id"""
)


def report_json(
    session: Session, report_id: int, audience: Audience, offered: Offered | None = None
) -> str:
    offered = offered or Offered()
    found: str = session.execute(
        VIEW,
        {
            "report_id": report_id,
            "audience": int(audience),
            "status_labels": STATUS_LABELS_JSON,
            "follow_up": offered.follow_up,
            "support": offered.support,
            "photo_total": photo_total(),
            "reopenable": sorted(s.value for s in REOPENABLE_STATUSES),
        },
    ).scalar_one()
    return found


PHOTO = text(
    """SELECT a.storage_key, a.thumbnail_key, a.public_key, a.public_thumbnail_key,
        a.content_type, a.is_public AND r.consent_publish AS released
    FROM attachment a JOIN report r ON r.id = a.subject_id
    WHERE a.subject_layer = 'report' AND a.subject_id = :report_id AND a.id = :photo_id"""
)


def photo_file(
    session: Session, report_id: int, photo_id: int, audience: Audience, thumbnail: bool
) -> PhotoFile | None:
    """The file of one photo as this audience gets it: the public only photos staff
    released (and the reporter agreed to publish), as the blurred copy when staff made one;
    None when there is nothing this audience may see."""
    row = session.execute(PHOTO, {"report_id": report_id, "photo_id": photo_id}).first()
    if row is None or (audience == Audience.public and not row.released):
        return None
    if audience == Audience.public:  # its public copy, never the original in its place
        key = row.public_thumbnail_key if thumbnail else row.public_key
    else:
        key = row.thumbnail_key if thumbnail else row.storage_key
    if key is None:
        return None
    return PhotoFile.of(key, row.content_type)


def my_reports(session: Session, user_id: int, limit: int, offset: int) -> Page[dict[str, Any]]:
    """What a signed-in resident sent, newest first."""
    query = (
        select(Report, ReportCategory.code, ReportCategory.name_ja, ReportCategory.name_en)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(Report.reporter_user_id == user_id)
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    found = counted_page(session, query, limit, offset)
    items = [
        {
            "public_id": r.public_id,
            "status": r.status,
            "category": {"code": code, "name_ja": ja, "name_en": en},
            "description": r.description,
            "is_public": r.is_public,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
        }
        for r, code, ja, en in found.items
    ]
    return Page(items, found.matched)
