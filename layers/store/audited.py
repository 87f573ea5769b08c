"""Who a unit of work writes as. Writes made through a session carrying an actor are logged
by the machimap_audit() trigger (migration 0003), which reads two settings set at the start
of every transaction, so no write path can forget them. The log itself is
layers/accounts/audit.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session

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
