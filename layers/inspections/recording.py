"""Recording an inspection, and the staff's later changes to it: the rules of its kind
checked (each refusal names the field at fault), next_due set from the kind's interval by
PostgreSQL's calendar, photos attached, the play-equipment rule applied, and a phone's
retry answered with the first inspection (Idempotency-Key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.city.calendar import city_today
from layers.inspections import closure, subjects
from layers.inspections.kinds import find_kind
from layers.inspections.model import (
    FollowUp,
    Grade,
    Grading,
    Inspection,
    InspectionKindRow,
    InspectionPartGrade,
)
from layers.media.attachments import Attachment
from layers.media.storage import MediaStore
from layers.media.stored import StoredPhoto, attach, release, withhold
from layers.policy import Actor
from layers.store.idempotency import replayed
from layers.store.refusals import Refused

SUBJECT = "inspection"  # attachment.subject_layer of an inspection's photos
EARLIEST = date(1950, 1, 1)

# date + interval is a timestamp; its date is the same day of the month, or the month's
# last day when there is none (2024-02-29 + 12 months = 2025-02-28).
NEXT_DUE = text(
    """UPDATE inspection SET next_due = CASE WHEN k.interval_months IS NULL THEN NULL
            ELSE (inspection.inspected_on + make_interval(months => k.interval_months))::date END
    FROM inspection_kind k WHERE k.code = inspection.kind AND inspection.id = :id"""
)
# Two retries of one key arriving together wait for each other rather than both inserting.
KEY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 18))")


@dataclass(frozen=True)
class PartGrade:
    part: str
    grade: Grade
    note: str | None = None


@dataclass(frozen=True)
class NewInspection:
    subject_layer: str
    subject_id: int
    kind: str
    inspected_on: date
    overall_grade: Grade
    hazard_level: int | None = None
    parts: tuple[PartGrade, ...] = ()
    findings: str | None = None
    follow_up_action: FollowUp = FollowUp.none
    follow_up_due: date | None = None
    follow_up: str | None = None
    inspector_name: str | None = None


def _refused(field: str, ja: str, en: str) -> Refused:
    return Refused(ja, f"{field}: {en}", status=422, field=field)


def _kind(session: Session, code: str) -> InspectionKindRow:
    kind = find_kind(session, code)
    if kind is None or not kind.active:
        raise _refused(
            "kind",
            f"点検の種類「{code}」はありません（または使われていません）。",
            f"no active inspection kind '{code}'",
        )
    return kind


def _check_dates(inspected_on: date, follow_up_due: date | None) -> None:
    today = city_today()
    if inspected_on > today:
        raise _refused(
            "inspected_on",
            f"点検日 {inspected_on} は今日（{today}）より後です。",
            f"{inspected_on} is after today ({today}, the city's date)",
        )
    if inspected_on < EARLIEST:
        raise _refused(
            "inspected_on",
            f"点検日は {EARLIEST} 以降にしてください。",
            f"must be {EARLIEST} or later",
        )
    if follow_up_due is not None and follow_up_due < inspected_on:
        raise _refused(
            "follow_up_due",
            f"対応期限 {follow_up_due} が点検日 {inspected_on} より前です。",
            f"{follow_up_due} is before the inspection ({inspected_on})",
        )


def _check_grades(kind: InspectionKindRow, new: NewInspection) -> None:
    known = [str(p["code"]) for p in kind.parts]
    graded: set[str] = set()
    for part in new.parts:
        if part.part not in known:
            raise _refused(
                "parts",
                f"部位「{part.part}」は「{kind.name_ja}」の部位ではありません"
                f"（{', '.join(known) or 'なし'}）。",
                f"'{part.part}' is not a part of {kind.code} ({', '.join(known) or 'none'})",
            )
        if part.part in graded:
            raise _refused(
                "parts", f"部位「{part.part}」が2回あります。", f"'{part.part}' is graded twice"
            )
        graded.add(part.part)
    if kind.grading == Grading.parts:
        missing = [code for code in known if code not in graded]
        if missing:
            raise _refused(
                "parts",
                f"評価していない部位があります: {', '.join(missing)}",
                f"every part of {kind.code} is graded; missing: {', '.join(missing)}",
            )
    if kind.grading == Grading.jpfa and new.hazard_level is None:
        raise _refused(
            "hazard_level",
            "遊具の点検には危険度（ハザードレベル 0〜3）を入れてください。",
            "a JPFA inspection needs hazard_level 0-3",
        )


def record(
    session: Session,
    actor: Actor,
    new: NewInspection,
    photos: Sequence[StoredPhoto],
    key: str | None,
    fingerprint: str,
) -> tuple[Inspection, bool]:
    """The inspection, and whether it was there already (sent again with the same key).
    ``key`` is the hashed Idempotency-Key; ``fingerprint`` that of the content and photos."""
    if key is not None:
        session.execute(KEY_LOCK, {"key": key})
    earlier = replayed(
        session,
        Inspection,
        key,
        fingerprint,
        ("点検", "inspection"),
        same_owner=lambda i: i.inspector_user_id == actor.user_id,
    )
    if earlier is not None:
        return earlier, True
    kind = _kind(session, new.kind)
    subject = subjects.checked(session, actor, kind, new.subject_layer, new.subject_id)
    _check_dates(new.inspected_on, new.follow_up_due)
    _check_grades(kind, new)
    inspection = Inspection(
        subject_layer=subject.layer,
        subject_id=subject.id,
        kind=kind.code,
        inspected_on=new.inspected_on,
        inspector_user_id=actor.user_id,
        inspector_name=new.inspector_name,
        department_id=kind.department_id or subject.department_id,
        overall_grade=new.overall_grade,
        hazard_level=new.hazard_level,
        findings=new.findings,
        follow_up_action=new.follow_up_action,
        follow_up_due=new.follow_up_due,
        follow_up=new.follow_up,
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key is not None else None,
    )
    session.add(inspection)
    session.flush()
    session.execute(NEXT_DUE, {"id": inspection.id})
    session.add_all(
        InspectionPartGrade(inspection_id=inspection.id, part=p.part, grade=p.grade, note=p.note)
        for p in new.parts
    )
    attach(session, SUBJECT, inspection.id, photos, actor.user_id)
    closure.apply(session, inspection)
    session.flush()
    return inspection, False


# What staff change after the fact; the grades and the date are what was found that day.
CHANGEABLE = frozenset({"findings", "follow_up_action", "follow_up_due", "follow_up", "released"})


def _photos(session: Session, inspection_id: int) -> Sequence[Attachment]:
    return session.scalars(
        select(Attachment)
        .where(Attachment.subject_layer == SUBJECT, Attachment.subject_id == inspection_id)
        .order_by(Attachment.id)
    ).all()


def change(
    session: Session,
    inspection: Inspection,
    changes: Mapping[str, Any],
    store: MediaStore,
) -> Inspection:
    """The caller holds the inspection's lock and checked If-Match. Releasing publishes the
    findings and the photos (the photo itself is the public copy: an inspection photo shows
    equipment, and staff release it knowing that); withdrawing takes both back."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        field = sorted(unknown)[0]
        raise _refused(field, f"「{field}」は変更できません。", "cannot be changed")
    if "follow_up_due" in changes:
        _check_dates(inspection.inspected_on, changes["follow_up_due"])
    for name, value in changes.items():
        if name != "released":
            setattr(inspection, name, value)
    if "released" in changes and changes["released"] != inspection.released:
        inspection.released = bool(changes["released"])
        inspection.released_at = datetime.now(UTC) if inspection.released else None
        for photo in _photos(session, inspection.id):
            if inspection.released:
                release(photo, store, (), blur_all=False)
            else:
                withhold(photo)
    inspection.version += 1
    session.flush()
    if "follow_up_action" in changes:
        closure.apply(session, inspection)
    return inspection
