"""The notification outbox. Messages are written in the same transaction as the change
that causes them, then handed to a sender; a failed send stays in the outbox for the next
run. The default sender writes to the log, so no mail server is needed to run or test."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Identity, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.store.base import Base
from layers.store.settings import get_settings

log = logging.getLogger("machimap.outbox")


class Notification(Base):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # verify_email, ...
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


Sender = Callable[[Notification], None]

# The advisory lock key of the one sender at work ("mmoutbox" in ASCII); advisory keys are
# per database, and nothing else in machimap takes this one.
SENDING_LOCK = 0x6D6D_6F75_7462_6F78


def log_sender(message: Notification) -> None:
    log.info(
        "notification %s to %s: %s\n%s",
        message.kind,
        message.recipient,
        message.subject,
        message.body,
    )


def get_sender() -> Sender:
    """The configured sender: ``log`` or ``package.module:function`` (e.g. an SMTP or
    LINE sender a city plugs in)."""
    spec = get_settings().notification_sender
    if spec == "log":
        return log_sender
    module, _, name = spec.partition(":")
    sender: Sender = getattr(importlib.import_module(module), name)
    return sender


def enqueue(session: Session, kind: str, recipient: str, subject: str, body: str) -> None:
    session.add(Notification(kind=kind, recipient=recipient, subject=subject, body=body))


def deliver_pending(session: Session, sender: Sender | None = None, limit: int = 100) -> int:
    """Send what is waiting; returns how many went out. Rows are locked so two workers never
    send the same message."""
    send = sender or get_sender()
    rows = session.scalars(
        select(Notification)
        .where(Notification.sent_at.is_(None), Notification.attempts < 10)
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for message in rows:
        message.attempts += 1
        try:
            send(message)
        except Exception as exc:  # a broken mail server must not lose the message
            message.last_error = str(exc)[:2000]
            log.warning("notification %s not sent: %s", message.id, exc)
        else:
            message.sent_at = datetime.now(UTC)
            message.last_error = None
            sent += 1
    return sent


def deliver_all(batch: int = 100, sender: Sender | None = None) -> int:
    """Send everything waiting, committing batch by batch (a crash re-sends at most one
    batch). Used by `machimap outbox send` and by the server's background loop, which runs
    in every worker of every instance.

    One sender at a time: each batch first tries the outbox's advisory lock, held until its
    commit. A sender that finds it taken stops and leaves the work to the holder, so messages
    go out in order and a mail server never sees N workers at once. The row locks of
    ``deliver_pending`` would already keep two senders from sending one message; the lock
    spares the others from scanning, and waiting, for nothing."""
    from layers.store.db import session_scope

    total = 0
    while True:
        with session_scope() as session:
            if not session.scalar(select(func.pg_try_advisory_xact_lock(SENDING_LOCK))):
                return total
            sent = deliver_pending(session, sender, limit=batch)
        total += sent
        if sent < batch:
            return total


def make_log_visible(level: str) -> None:
    """The default sender writes messages to this log; without a handler its records (and
    the links in them) would vanish while being marked sent."""
    if not log.hasHandlers():
        log.addHandler(logging.StreamHandler())
        log.setLevel(level.upper())
