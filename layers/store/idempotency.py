"""Idempotency-Key handling shared by every intake that a phone may send twice (a report, a
walk, an observation): the key is stored hashed, and a retry must carry the same content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from layers.store.refusals import Refused


def key_hash(key: str | None) -> str | None:
    return hashlib.sha256(key.encode()).hexdigest() if key else None


def fingerprint(content: Any) -> str:
    """Of JSON-able content; the same content always gives the same fingerprint."""
    dumped = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(dumped.encode()).hexdigest()


def checked_key(key: str | None) -> str | None:
    if key is not None and not 8 <= len(key) <= 200:
        raise Refused(
            "Idempotency-Key は8〜200文字にしてください。",
            "Idempotency-Key must be 8–200 characters",
            status=400,
        )
    return key


def key_reused(what_ja: str, what_en: str) -> Refused:
    return Refused(
        f"この Idempotency-Key は別の内容の{what_ja}に使われています。"
        "新しいキーで送信してください。",
        f"this Idempotency-Key was used for a different {what_en}; send with a new key",
        status=422,
    )


class Keyed(Protocol):
    idempotency_key: Any
    idempotency_fingerprint: Any


K = TypeVar("K", bound=Keyed)


def replayed(
    session: Session,
    model: type[K],
    key: str | None,
    content_fingerprint: str | None,
    what: tuple[str, str],
    *,
    same_owner: Callable[[K], bool] = lambda row: True,
) -> K | None:
    """The row an earlier request with this (hashed) key made, when this one is its retry;
    None when the key is new. A key used for other content, or for another owner's row (a
    walk of another group), is refused: a retry never answers with someone else's row."""
    if key is None:
        return None
    column: InstrumentedAttribute[Any] = model.idempotency_key
    earlier = session.scalar(select(model).where(column == key))
    if earlier is None:
        return None
    if earlier.idempotency_fingerprint != content_fingerprint or not same_owner(earlier):
        raise key_reused(*what)
    return earlier
