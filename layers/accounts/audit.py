"""The append-only audit log: a trigger refuses UPDATE and DELETE, so not even a bug in the
API can rewrite history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, DateTime, Identity, String, event, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.store.base import Base


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


# Writes made through a session carrying an actor are logged by the machimap_audit()
# trigger (migration 0003), which reads these two settings; they are set at the start of
# every transaction, so no write path can forget them.
ACTOR_KEY = "audit_actor"


@dataclass(frozen=True)
class AuditActor:
    user_id: int
    ip: str | None = None


def bind(session: Session, actor: AuditActor | None) -> Session:
    if actor is not None:
        session.info[ACTOR_KEY] = actor
    return session


@event.listens_for(Session, "after_begin")
def _set_actor(session: Session, transaction: Any, connection: Connection) -> None:
    actor: AuditActor | None = session.info.get(ACTOR_KEY)
    if actor is not None:
        connection.execute(
            text(
                "SELECT set_config('machimap.actor_id', :uid, true),"
                " set_config('machimap.actor_ip', :ip, true)"
            ),
            {"uid": str(actor.user_id), "ip": actor.ip or ""},
        )


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
