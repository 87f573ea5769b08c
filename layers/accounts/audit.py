"""The append-only audit log: a trigger refuses UPDATE and DELETE, so not even a bug in the
API can rewrite history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Select, String, select, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.store.audited import ACTOR_KEY, AuditActor
from layers.store.base import Base
from layers.store.sql import Page, counted_page


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), nullable=False, index=True
    )
    # No foreign key: the log keeps who did it even after the account is deleted (a
    # cascading SET NULL would be an UPDATE, which the log refuses).
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    subject_layer: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    ip: Mapped[str | None] = mapped_column(INET)


def record(
    session: Session,
    action: str,
    *,
    subject_layer: str | None = None,
    subject_id: int | None = None,
    after: dict[str, Any] | None = None,
    actor: AuditActor | None = None,
    ip: str | None = None,
) -> None:
    """An entry for an event that is not a row change (sign-in, failed sign-in, export)."""
    who: AuditActor | None = actor or session.info.get(ACTOR_KEY)
    session.add(
        AuditEntry(
            actor_user_id=who.user_id if who else None,
            action=action,
            subject_layer=subject_layer,
            subject_id=subject_id,
            after=after,
            ip=(who.ip if who else None) or ip,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    actor_user_id: int | None = None
    subject_layer: str | None = None
    subject_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def entry_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor_user_id": e.actor_user_id,
        "action": e.action,
        "subject_layer": e.subject_layer,
        "subject_id": e.subject_id,
        "before": e.before,
        "after": e.after,
        "ip": str(e.ip) if e.ip else None,
    }


def entries(session: Session, wanted: AuditFilter, limit: int, offset: int) -> Page[Any]:
    """The log, newest first, narrowed by who, what and when."""
    query: Select[tuple[AuditEntry]] = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor_user_id, wanted.actor_user_id),
        (AuditEntry.subject_layer, wanted.subject_layer),
        (AuditEntry.subject_id, wanted.subject_id),
        (AuditEntry.action, wanted.action),
    ):
        if value is not None:
            query = query.where(column == value)
    if wanted.since:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEntry.at < wanted.until)
    found = counted_page(session, query.order_by(AuditEntry.id.desc()), limit, offset, scalars=True)
    return Page([entry_json(e) for e in found.items], found.matched)
