"""Idempotency-Key handling shared by every intake that a phone may send twice (a report, a
walk, an observation): the key is stored hashed, and a retry must carry the same content."""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
