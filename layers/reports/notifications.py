"""Messages to a reporter who asked to hear about their report, written to the outbox in
the same transaction as the change (so a change is never lost without its message)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.accounts import outbox
from layers.reports.model import STATUS_LABELS, Report, ReportCategory, ReportContact, ReportStatus
from layers.reports.tracking import tracking_token, tracking_url

FOOTER = (
    "\n\nこのメールは送信専用です。通報の状況は上のリンクからいつでも確認できます。"
    "\nThis address does not receive replies; the link above shows your report at any time."
)


def received(
    session: Session, public_id: str, token: str, email: str, category: ReportCategory
) -> None:
    outbox.enqueue(
        session,
        "report_received",
        email,
        f"【machimap】通報を受け付けました（{public_id}） / Report {public_id} received",
        f"「{category.name_ja}」の通報を受け付けました。受付番号は {public_id} です。\n"
        f"状況の確認・写真の追加はこちらから（このリンクは他の人に教えないでください）:\n"
        f"{tracking_url(public_id, token)}\n\n"
        f"We received your report ({category.name_en}), reference {public_id}. Follow it, or "
        "add photos, with the link above; keep it to yourself." + FOOTER,
    )


def status_changed(
    session: Session, report: Report, status: ReportStatus, public_comment: str | None
) -> None:
    """Queued only if the reporter ticked "tell me"; the message carries the public comment,
    never staff's internal note."""
    contact = session.scalar(
        select(ReportContact).where(ReportContact.report_id == report.id, ReportContact.notify)
    )
    if contact is None or not contact.email:
        return
    ja, en = STATUS_LABELS[status]
    token = tracking_token(session, report.public_id)
    comment = (
        f"\n\n市からのコメント / Comment from the city:\n{public_comment}" if public_comment else ""
    )
    outbox.enqueue(
        session,
        "report_status",
        contact.email,
        f"【machimap】通報 {report.public_id} は「{ja}」になりました / "
        f"Report {report.public_id}: {en}",
        f"通報 {report.public_id} の状態が「{ja}」になりました。\n"
        f"Your report {report.public_id} is now: {en}.{comment}\n\n"
        f"{tracking_url(report.public_id, token)}" + FOOTER,
    )
