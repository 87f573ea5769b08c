"""Password hashing (Argon2id via argon2-cffi) and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from layers.store.refusals import Refused

MIN_LENGTH = 10
MAX_LENGTH = 256


class PasswordRejected(Refused):
    pass


@lru_cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# Verifying against this when the e-mail is unknown keeps the answer time the same, so the
# response time does not reveal which addresses have accounts.
_DUMMY = None


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY
    if stored_hash is None:
        _DUMMY = _DUMMY or hash_password("not a real password")
        stored_hash, password = _DUMMY, password + "\0"
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def check_new_password(password: str, email: str) -> None:
    """NIST SP 800-63B style: length matters, composition rules do not."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            f"パスワードは{MIN_LENGTH}文字以上にしてください。",
            f"the password must be at least {MIN_LENGTH} characters long",
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(
            f"パスワードは{MAX_LENGTH}文字以内にしてください。",
            f"the password must be at most {MAX_LENGTH} characters long",
        )
    local = email.split("@", 1)[0].lower()
    if len(set(password)) < 4 or (len(local) >= 4 and local in password.lower()):
        raise PasswordRejected(
            "推測されやすいパスワードです。メールアドレスや同じ文字の繰り返しは避けてください。",
            "the password is too easy to guess (it repeats characters or contains the e-mail)",
        )
