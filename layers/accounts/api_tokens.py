"""Personal API tokens for programs: shown once, stored hashed, scoped and revocable."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.accounts.secrets import hash_secret, new_secret
from layers.accounts.users import User
from layers.store.base import Base, Entity
from layers.store.refusals import Refused

PREFIX = "mm_"


class Scope(enum.StrEnum):
    read = "read"  # read what the owner may read, including group-private data
    write = "write"  # change what the owner may change
    admin = "admin"  # account, department and audit administration (admins only)


class ApiToken(Entity, Base):
    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    # The first characters, so people can tell their tokens apart in a list.
    hint: Mapped[str] = mapped_column(String(12), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class IssuedToken:
    row: ApiToken
    token: str  # shown to the owner once


def issue(
    session: Session,
    user: User,
    name: str,
    scopes: list[Scope],
    expires_at: datetime | None = None,
) -> IssuedToken:
    token = PREFIX + new_secret()
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(token),
        hint=token[: len(PREFIX) + 6],
        scopes=sorted({s.value for s in scopes}),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    session.refresh(row)  # created_at, as the database set it
    return IssuedToken(row, token)


def find(session: Session, token: str) -> tuple[ApiToken, User] | None:
    now = datetime.now(UTC)
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_secret(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if (api_token.expires_at and api_token.expires_at <= now) or not user.is_active:
        return None
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
    return api_token, user


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the account's own tokens; 404 for another's, or one already revoked."""
    done = session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise Refused(f"トークン {token_id} はありません。", f"no token {token_id}", status=404)
