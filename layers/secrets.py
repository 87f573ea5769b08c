"""Random tokens and their stored form. Session cookies, API tokens and e-mail links are
long random values, so a fast SHA-256 is the right stored form (unlike passwords)."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()
