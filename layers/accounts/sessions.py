"""Browser sessions kept in the database, so signing out, a password change or an admin
can end them at once. The cookie carries a random token; only its SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.accounts.secrets import hash_secret, new_secret
from layers.accounts.users import User
from layers.store.base import Base, Entity
from layers.store.settings import get_settings


class AuthSession(Entity, Base):
    __tablename__ = "auth_session"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(300))


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    expires_at: datetime


def start(session: Session, user: User, ip: str | None, user_agent: str | None) -> NewSession:
    s = get_settings()
    now = datetime.now(UTC)
    token, csrf = new_secret(), new_secret()
    expires = now + timedelta(hours=s.session_max_age_hours)
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_secret(token),
            csrf_token=csrf,
            expires_at=expires,
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return NewSession(token, csrf, expires)


def find(session: Session, token: str) -> tuple[AuthSession, User] | None:
    """The live session for this cookie value, touching its idle timer."""
    s = get_settings()
    now = datetime.now(UTC)
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == hash_secret(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    idle_limit = auth.last_seen_at + timedelta(minutes=s.session_idle_minutes)
    stale = user.password_changed_at is not None and auth.created_at < user.password_changed_at
    if auth.expires_at <= now or idle_limit <= now or stale or not user.is_active:
        session.delete(auth)
        return None
    # Touch at most once a minute: a busy map page must not write on every tile request.
    if now - auth.last_seen_at > timedelta(minutes=1):
        auth.last_seen_at = now
    return auth, user


def end(session: Session, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == hash_secret(token)))


def end_all(session: Session, user_id: int, *, keep_token: str | None = None) -> None:
    """Sign the user out everywhere (except, optionally, the session making the change)."""
    stmt = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep_token:
        stmt = stmt.where(AuthSession.token_hash != hash_secret(keep_token))
    session.execute(stmt)
