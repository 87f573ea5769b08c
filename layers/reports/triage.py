"""What staff do with a report: publish it after moderation (text corrected, photos blurred
or withheld), move it along its status, close it honestly, merge duplicates, hand it to
another department, and tie it to a hazard. Every write runs under the staff member's audit
actor (session_scope), so the audit trigger logs each step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.accounts.lifecycle import department_by_code
from layers.accounts.users import Department
from layers.city.hazards import Hazard, HazardKind, HazardSource
from layers.media.attachments import Attachment
from layers.media.storage import MediaStore
from layers.media.stored import Region, release, withhold
from layers.reports.model import (
    STATUS_LABELS,
    Report,
    ReportCategory,
    ReportStatus,
    ReportStatusChange,
)
from layers.reports.notifications import status_changed
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused


@dataclass(frozen=True)
class PhotoDecision:
    photo_id: int
    publish: bool = True
    # Fractions of the width and height (x0, y0, x1, y1); an empty list blurs nothing and
    # None with blur_all blurs the whole photo.
    blur: Sequence[Region] = ()
    blur_all: bool = False


def _text(value: str | None, limit: int = TEXT_MAX) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise Refused(f"{limit}文字以内にしてください。", f"longer than {limit} characters")
    return value or None


def publish(
    session: Session,
    report: Report,
    public_description: str | None,
    decisions: Sequence[PhotoDecision],
    store: MediaStore,
) -> None:
    """Make the report public with the text the public will read (the original if staff
    give none) and the photos staff release. Photos are released only if the reporter
    consented, and a blurred copy replaces the original in everything the public gets."""
    text_ = _text(public_description) or report.public_description or report.description
    report.public_description = text_
    report.is_public = True
    report.published_at = report.published_at or datetime.now(UTC)
    photos = {
        a.id: a
        for a in session.scalars(
            select(Attachment).where(
                Attachment.subject_layer == "report", Attachment.subject_id == report.id
            )
        )
    }
    unknown = [d.photo_id for d in decisions if d.photo_id not in photos]
    if unknown:
        raise Refused(
            f"この通報に写真 {unknown} はありません。",
            f"this report has no photo {unknown}",
        )
    for decision in decisions:
        photo = photos[decision.photo_id]
        if decision.publish:
            release(photo, store, decision.blur, decision.blur_all)
        else:
            withhold(photo)
    session.flush()


def unpublish(report: Report) -> None:
    report.is_public = False


def _root(session: Session, report: Report, public_id: str) -> Report:
    target = session.scalar(select(Report).where(Report.public_id == public_id))
    seen = {report.id}
    # A duplicate of a duplicate joins the report they all duplicate.
    while target is not None and target.duplicate_of_id is not None and target.id not in seen:
        seen.add(target.id)
        target = session.get(Report, target.duplicate_of_id)
    if target is None:
        raise Refused(f"通報 {public_id} はありません。", f"no report {public_id!r}", status=422)
    if target.id in seen:
        raise Refused(
            "通報をそれ自身の重複にはできません。", "a report cannot duplicate itself", status=422
        )
    return target


MERGE_SUPPORTERS = text(
    """WITH moved AS (
        INSERT INTO report_supporter (report_id, supporter_key)
        SELECT :target, supporter_key FROM report_supporter WHERE report_id = :source
        UNION SELECT :target, 'report:' || :source_public_id
        ON CONFLICT (report_id, supporter_key) DO NOTHING RETURNING 1)
    UPDATE report SET supporter_count = supporter_count + (SELECT count(*) FROM moved)
    WHERE id = :target"""
)


def change_status(
    session: Session,
    report: Report,
    to: ReportStatus,
    *,
    public_comment: str | None,
    internal_note: str | None,
    responsible_party: str | None,
    duplicate_of: str | None,
    actor_user_id: int | None,
) -> None:
    """Move a report along. Closing says why: a duplicate names the report it duplicates
    (whose supporters it joins, its reporter counted among them), "not the city's
    responsibility" names whose it is, and a rejection gives its reason."""
    comment = _text(public_comment)
    if to == ReportStatus.submitted:
        raise Refused(
            "「受付待ち」には戻せません。再確認なら「受付済み」にしてください。",
            "a report cannot go back to submitted; use accepted to look at it again",
        )
    if to == report.status:
        ja, en = STATUS_LABELS[to]
        raise Refused(
            f"既に「{ja}」です。コメントだけなら comment を使ってください。",
            f"the report is already {en}; to add a comment only, use comment",
            status=409,
        )
    if to == ReportStatus.rejected and comment is None:
        raise Refused(
            "不受理にする理由を public_comment に書いてください。",
            "say why in public_comment when rejecting",
        )
    if to == ReportStatus.closed_not_responsible:
        party = _text(responsible_party, 200)
        if party is None:
            raise Refused(
                "管轄する機関（例: 国道の管理者、警察、自治会）を "
                "responsible_party に書いてください。",
                "name whose responsibility it is in responsible_party "
                "(e.g. the national road office, the police, the 自治会)",
            )
        report.responsible_party = party
    if to == ReportStatus.closed_duplicate:
        if not duplicate_of:
            raise Refused(
                "重複先の受付番号を duplicate_of に指定してください。",
                "give the report it duplicates in duplicate_of",
            )
        target = _root(session, report, duplicate_of)
        report.duplicate_of_id = target.id
        session.flush()
        session.execute(
            MERGE_SUPPORTERS,
            {"target": target.id, "source": report.id, "source_public_id": report.public_id},
        )
    previous = report.status
    report.status = to
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=previous,
            to_status=to,
            public_comment=comment,
            internal_note=_text(internal_note),
            actor_user_id=actor_user_id,
        )
    )
    session.flush()
    status_changed(session, report, to, comment)


def comment(
    session: Session,
    report: Report,
    public_comment: str | None,
    internal_note: str | None,
    actor_user_id: int | None,
) -> None:
    """A public update or an internal note without a change of status."""
    public, internal = _text(public_comment), _text(internal_note)
    if public is None and internal is None:
        raise Refused(
            "public_comment か internal_note を書いてください。",
            "write a public_comment or an internal_note",
        )
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=report.status,
            to_status=report.status,
            public_comment=public,
            internal_note=internal,
            actor_user_id=actor_user_id,
        )
    )
    session.flush()
    if public is not None:
        status_changed(session, report, report.status, public)


def reassign(
    session: Session, report: Report, department_code: str, actor_user_id: int | None
) -> Department:
    department = department_by_code(session, department_code)
    before = session.get(Department, report.department_id) if report.department_id else None
    report.department_id = department.id
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=report.status,
            to_status=report.status,
            internal_note=f"担当課を {before.name if before else '未設定'} から "
            f"{department.name} に変更 / reassigned to {department.name_en or department.code}",
            actor_user_id=actor_user_id,
        )
    )
    session.flush()
    return department


def link_hazard(session: Session, report: Report, hazard_id: int) -> Hazard:
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise Refused(f"危険箇所 {hazard_id} はありません。", f"no hazard {hazard_id}")
    report.hazard_id = hazard.id
    session.flush()
    return hazard


def create_hazard(
    session: Session, report: Report, kind: HazardKind, severity: int, title: str | None
) -> Hazard:
    """A confirmed report becomes a hazard on the map, in the report's place, described by
    the text staff published (never the original)."""
    category = session.get(ReportCategory, report.category_id)
    assert category is not None  # a foreign key
    hazard = Hazard(
        kind=kind,
        # Never the original text: it may carry what moderation removed.
        title=_text(title, 200) or category.name_ja,
        description=report.public_description,
        severity=severity,
        source=HazardSource.report,
        observed_at=report.created_at,
        department_id=report.department_id,
        geom=report.geom,
    )
    session.add(hazard)
    session.flush()
    report.hazard_id = hazard.id
    session.flush()
    return hazard
