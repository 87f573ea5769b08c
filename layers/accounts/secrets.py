"""Random tokens and their stored form. Session cookies, API tokens and e-mail links are
long random values, so a fast SHA-256 is the right stored form (unlike passwords)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import LargeBinary, SmallInteger, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.store.base import Base


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


class ServerSecret(Base):
    """One random key per installation (made by migration 0006), so values derived from it
    (a report's tracking link) can be given again without being stored."""

    __tablename__ = "server_secret"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


_KEYS: dict[str, bytes] = {}


def server_key(session: Session) -> bytes:
    """Read through the caller's own session (and then kept): a second connection here
    would deadlock a full pool, every holder waiting for one more."""
    bind = session.get_bind()
    url = str(bind.engine.url if isinstance(bind, Connection) else bind.url)
    key = _KEYS.get(url)
    if key is None:
        found = session.scalar(select(ServerSecret.secret).where(ServerSecret.id == 1))
        if found is None:
            raise RuntimeError("server_secret is empty: run `machimap db upgrade`")
        key = _KEYS[url] = bytes(found)
    return key


def derive(session: Session, purpose: str, value: str) -> str:
    """A stable secret for ``value``: HMAC of the installation key, URL-safe."""
    digest = hmac.new(server_key(session), f"{purpose}:{value}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
