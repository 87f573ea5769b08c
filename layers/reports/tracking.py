"""The reporter's own way back to a report: a secret tracking link, photos added later, and
"it is not actually fixed", which puts the report back in front of staff."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from layers.accounts.secrets import derive, hash_secret
from layers.media.attachments import Attachment
from layers.reports.model import (
    REOPENABLE_STATUSES,
    STATUS_LABELS,
    Report,
    ReportStatus,
    ReportStatusChange,
)
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused
from layers.store.settings import get_settings

REOPEN_COMMENT = "通報者から「まだ直っていない」との連絡があり、再確認します。"


def tracking_token(session: Session, public_id: str) -> str:
    """Derived from the installation's key, not stored: a retried submission and each
    notification can give it again, while the database keeps only its hash."""
    return derive(session, "report-tracking", public_id)


def tracking_url(public_id: str, token: str, base: str | None = None) -> str:
    """The reporter's page for the report; under ``base`` when the caller knows the address
    the request came to (e-mails, sent later, use MACHIMAP_PUBLIC_URL)."""
    return f"{base or get_settings().public_url}/reports/{public_id}?token={token}"


def token_hash(token: str) -> str:
    # Hex in the report's text column, as every stored report has it.
    return hash_secret(token).hex()


def token_matches(report: Report, token: str | None) -> bool:
    if not token:
        return False
    return secrets.compare_digest(token_hash(token), report.tracking_token_hash)


def photo_count(session: Session, report_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.subject_layer == "report", Attachment.subject_id == report_id)
        )
        or 0
    )


def photo_total() -> int:
    """The photos one report may hold in all: those sent with it and as many added later."""
    return 2 * get_settings().photo_max_count


def check_photo_room(session: Session, report: Report, adding: int) -> None:
    """Refuses photos beyond the per-report total."""
    total = photo_total()
    have = photo_count(session, report.id)
    if have + adding > total:
        raise Refused(
            f"1件の通報に付けられる写真は{total}枚までです（既に{have}枚あります）。",
            f"a report holds at most {total} photos ({have} already)",
            status=413,
        )


def reopen(session: Session, report: Report, note: str | None, actor_user_id: int | None) -> None:
    """The reporter says it is not fixed: back to accepted, for staff to look again. Their
    words stay with staff (they may identify them); the public history says it was reopened."""
    if report.status not in REOPENABLE_STATUSES:
        ja, en = STATUS_LABELS[report.status]
        raise Refused(
            f"「{ja}」の通報は再開できません（対応済みの通報のみ）。",
            f"a report that is {en} cannot be reopened (only resolved ones)",
            status=409,
        )
    previous = report.status
    report.status = ReportStatus.accepted
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=previous,
            to_status=ReportStatus.accepted,
            public_comment=REOPEN_COMMENT,
            internal_note=(note or "").strip()[:TEXT_MAX] or None,
            by_reporter=True,
            actor_user_id=actor_user_id,
        )
    )
    session.flush()
