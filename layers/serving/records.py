"""Records attached to a map feature: its inspections, the patrol observations made about it
and residents' reports, newest first, in one statement.

A record is attached through ``subject_layer`` + ``subject_id`` (inspection, patrol
observation, report), and a report also through ``hazard_id`` to the hazard it confirms.
Who sees which record is decided by layers/policy.py alone:

- the feature itself: the row filter of its layer (hidden and missing look the same);
- reports: the report layer's row filter (the public sees published, non-sensitive ones,
  staff all);
- patrol observations: the patrol layer's row filter, i.e. only the patrol's own group;
  everyone else, staff included, gets neither the observation nor a count revealing it;
- inspections: the date, kind and overall grade wherever the feature is visible (12条点検
  results of public facilities are public information); findings, per-part grades and
  follow-up only to those ``Action.inspection_read`` allows (staff), since findings may
  hold internal notes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from layers.city.hazards import Hazard
from layers.inspections.model import GRADE_SUMMARIES
from layers.policy import Action, Actor, can, row_filter
from layers.registry import Layer, get_layer
from layers.reports.model import STATUS_LABELS
from layers.store.settings import get_settings

# A patrol note is free text; the list shows its start, the patrol answer holds all of it.
NOTE_CHARS = 80


def label_map(table: dict[Any, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """{code: {ja, en}} of a label table, for SQL to read from one JSON parameter."""
    return {str(code): {"ja": ja, "en": en} for code, (ja, en) in table.items()}


# Sent as one parameter, so the statement text stays the same and SQL builds the summaries.
LABELS = json.dumps(
    {
        "grade": label_map(GRADE_SUMMARIES),
        "report_status": label_map(STATUS_LABELS),
    },
    ensure_ascii=False,
)


def _label(group: str, column: str, language: str) -> str:
    return (
        f"coalesce(CAST(:labels AS jsonb) #>> ARRAY['{group}', {column}, '{language}'], {column})"
    )


# Each branch yields (sort_at, kind, id, body); body is the record as the API shows it.
# An inspection's kind is named by its row (kinds are data); href is its API, page its sheet.
# A facility's records include its buildings' inspections (the 12条 of a 住民センター's 本館).
INSPECTIONS = f"""
    SELECT i.inspected_on::timestamp AT TIME ZONE :city_time_zone AS sort_at,
        'inspection' AS kind, i.id,
        json_build_object(
            'kind', 'inspection', 'id', i.id, 'date', i.inspected_on,
            'summary_ja', k.name_ja || ' 総合評価'
                || i.overall_grade || '（' || {_label("grade", "i.overall_grade", "ja")} || '）',
            'summary_en', k.name_en || ', overall grade '
                || i.overall_grade || ' (' || {_label("grade", "i.overall_grade", "en")} || ')',
            'href', '/api/inspections/' || i.id, 'page', '/inspections/' || i.id,
            'building', (SELECT b.name FROM facility_building b
                WHERE i.subject_layer = 'facility_building' AND b.id = i.subject_id),
            'inspection_kind', i.kind, 'overall_grade', i.overall_grade,
            'detail', CASE WHEN :inspection_detail THEN json_build_object(
                'findings', i.findings, 'follow_up', i.follow_up, 'next_due', i.next_due,
                'parts', (SELECT coalesce(json_agg(json_build_object(
                        'part', g.part, 'grade', g.grade, 'note', g.note) ORDER BY g.id),
                    '[]'::json)
                    FROM inspection_part_grade g WHERE g.inspection_id = i.id)) END
        ) AS body
    FROM inspection i JOIN feature f ON (i.subject_layer = :layer_id AND i.subject_id = f.id)
        OR (:layer_id = 'facility' AND i.subject_layer = 'facility_building'
            AND i.subject_id IN (SELECT b.id FROM facility_building b WHERE b.facility_id = f.id))
    JOIN inspection_kind k ON k.code = i.kind"""

OBSERVATIONS = """
    SELECT coalesce(o.observed_at, p.started_at), 'patrol_observation', o.id,
        json_build_object(
            'kind', 'patrol_observation', 'id', o.id,
            'date', coalesce(o.observed_at, p.started_at),
            'summary_ja', CASE WHEN char_length(o.note) > {chars}
                THEN left(o.note, {chars} - 1) || '…' ELSE o.note END,
            'summary_en', NULL,
            'href', '/api/patrols/' || p.id,
            'patrol_id', p.id, 'patrol_kind', p.kind,
            'report', (SELECT r.public_id FROM report r WHERE r.id = o.report_id))
    FROM patrol_observation o
    JOIN feature f ON o.subject_layer = :layer_id AND o.subject_id = f.id
    JOIN patrol p ON p.id = o.patrol_id
    WHERE p.id IN (SELECT id FROM patrol WHERE {visible})"""

# Only the category, status and reference: never the text, the reporter or the contact.
REPORTS = f"""
    SELECT r.created_at, 'report', r.id,
        json_build_object(
            'kind', 'report', 'id', r.id, 'date', r.created_at,
            'summary_ja', c.name_ja || '：' || {_label("report_status", "r.status", "ja")},
            'summary_en', c.name_en || ': ' || {_label("report_status", "r.status", "en")},
            'href', '/reports/' || r.public_id,
            'public_id', r.public_id, 'status', r.status, 'category', c.code)
    FROM report r JOIN feature f ON {{attached}}
    JOIN report_category c ON c.id = r.category_id
    WHERE r.id IN (SELECT id FROM report WHERE {{visible}})"""

ORDER = "sort_at DESC, kind, id DESC"

STATEMENT = f"""
WITH feature AS (
    SELECT id FROM "{{table}}" WHERE id = :feature_id AND ({{feature_visible}})
), records AS ({INSPECTIONS}
    UNION ALL{{observations}}
    UNION ALL{{reports}}
)
SELECT EXISTS (SELECT FROM feature) AS visible,
    (SELECT count(*) FROM records) AS matched,
    (SELECT coalesce(json_agg(body ORDER BY {ORDER}), '[]'::json)
        FROM (SELECT * FROM records ORDER BY {ORDER} LIMIT :limit OFFSET :offset) page)
        AS records"""


@dataclass(frozen=True)
class FeatureRecords:
    matched: int
    records: list[dict[str, Any]]


def _statement(actor: Actor, layer: Layer) -> TextClause:
    # Filters are SQL from the registry and the policy (group ids are database integers);
    # each is applied to its own table, unaliased, as row_filter() promises.
    attached = "(r.subject_layer = :layer_id AND r.subject_id = f.id)"
    if layer.model is Hazard:  # a report confirming a hazard names it in hazard_id
        attached += " OR r.hazard_id = f.id"
    return text(
        STATEMENT.format(
            table=layer.table,
            feature_visible=row_filter(actor, layer) or "true",
            observations=OBSERVATIONS.format(
                chars=NOTE_CHARS, visible=row_filter(actor, get_layer("patrol")) or "true"
            ),
            reports=REPORTS.format(
                attached=attached, visible=row_filter(actor, get_layer("report")) or "true"
            ),
        )
    )


def feature_records(
    db: Session, actor: Actor, layer: Layer, feature_id: int, limit: int, offset: int
) -> FeatureRecords | None:
    """The records of one feature this caller may see, newest first; None when the feature
    does not exist or the caller may not see it."""
    row = db.execute(
        _statement(actor, layer),
        {
            "feature_id": feature_id,
            "layer_id": layer.id,
            "labels": LABELS,
            "inspection_detail": can(actor, Action.inspection_read),
            # Inspections are recorded by day, and a day starts at midnight in the city.
            "city_time_zone": get_settings().city_time_zone,
            "limit": limit,
            "offset": offset,
        },
    ).one()
    if not row.visible:
        return None
    return FeatureRecords(int(row.matched), list(row.records))
