"""One report as the permission check sees it (layers/policy.py): the report, whether its
category is about people or private property, and whether the caller holds its tracking
token. Read once when a request arrives, and again under lock by the action that changes it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.reports.model import Report, ReportCategory
from layers.reports.tracking import token_matches
from layers.store.refusals import Refused


@dataclass(frozen=True)
class ReportAccess:
    report: Report
    sensitive: bool  # its category is about people or private property
    token_ok: bool  # the caller presented the report's tracking token

    @property
    def is_public(self) -> bool:
        return self.report.is_public

    @property
    def reporter_user_id(self) -> int | None:
        return self.report.reporter_user_id

    @property
    def department_id(self) -> int | None:
        return self.report.department_id


def not_found(public_id: str) -> Refused:
    return Refused(f"通報 {public_id} はありません。", f"no report {public_id!r}", status=404)


def report_access(session: Session, public_id: str, token: str | None) -> ReportAccess:
    """The report with this reference, detached from the session (it outlives it)."""
    found = session.execute(
        select(Report, ReportCategory.sensitive)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(Report.public_id == public_id)
    ).first()
    if found is None:
        raise not_found(public_id)
    report, sensitive = found
    access = ReportAccess(report, sensitive, token_matches(report, token))
    session.expunge(report)
    return access


def locked(session: Session, access: ReportAccess) -> ReportAccess:
    """The same report locked (FOR UPDATE) in this unit of work, as it is now: two staff
    acting at once are applied one after the other, and each is decided on what the other
    left (its department, whether it is still published)."""
    found = session.execute(
        select(Report, ReportCategory.sensitive)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(Report.id == access.report.id)
        .with_for_update(of=Report)
        .execution_options(populate_existing=True)
    ).first()
    if found is None:  # deleted since the request arrived
        raise not_found(access.report.public_id)
    report, sensitive = found
    return replace(access, report=report, sensitive=sensitive)
