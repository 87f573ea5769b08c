"""Accounts: sign-up, sign-in, e-mail verification, password change and reset.

E-mail links carry a one-time token (only its hash is stored) and go out through the
notification outbox."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.accounts import outbox, sessions
from layers.accounts.api_tokens import ApiToken
from layers.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from layers.accounts.secrets import hash_secret, new_secret
from layers.accounts.users import Department, Role, User
from layers.store.base import Base, Entity, choice
from layers.store.refusals import Refused
from layers.store.settings import get_settings


class TokenPurpose(enum.StrEnum):
    verify_email = "verify_email"
    password_reset = "password_reset"


class EmailToken(Entity, Base):
    __tablename__ = "email_token"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose: Mapped[TokenPurpose] = choice(TokenPurpose, name="token_purpose")
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


TOKEN_LIFETIME = {
    TokenPurpose.verify_email: timedelta(days=3),
    TokenPurpose.password_reset: timedelta(hours=1),
}


def normalize_email(email: str) -> str:
    try:
        # No DNS lookup: sign-up must work on a closed network.
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Refused(
            "メールアドレスの形式が正しくありません。", f"not a valid e-mail address: {exc}"
        ) from None
    return result.normalized.lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        known = ", ".join(session.scalars(select(Department.code).order_by(Department.code)))
        raise Refused(
            f"部署 {code} はありません（登録済み: {known}）。",
            f"no department {code!r} (known: {known})",
            status=422,
        )
    return dept


def create_user(
    session: Session,
    email: str,
    display_name: str,
    password: str | None,
    role: Role = Role.resident,
    department: Department | None = None,
    *,
    verified: bool = False,
) -> User:
    email = normalize_email(email)
    name = display_name.strip()
    if not name:
        raise Refused("表示名を入力してください。", "display_name must not be empty")
    if role == Role.staff and department is None:
        raise Refused("職員アカウントには部署が必要です。", "a staff account needs a department")
    if find_user(session, email) is not None:
        raise Refused(
            "このメールアドレスは既に登録されています。",
            "an account with this e-mail already exists",
            status=409,
        )
    if password is not None:
        check_new_password(password, email)
    now = datetime.now(UTC)
    user = User(
        email=email,
        display_name=name[:100],
        password_hash=hash_password(password) if password is not None else None,
        role=role,
        department_id=department.id if department else None,
        email_verified_at=now if verified else None,
    )
    session.add(user)
    session.flush()
    return user


def revoke_access(session: Session, user_id: int) -> None:
    """Signs the account out everywhere and revokes its API tokens, so a changed role or a
    deactivation takes effect at once, not when a session or token happens to expire."""
    sessions.end_all(session, user_id)
    _revoke_tokens(session, user_id)


def _revoke_tokens(session: Session, user_id: int) -> int:
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return int(revoked.rowcount)  # type: ignore[attr-defined]


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account these credentials open, or None. Always costs one hash verification."""
    user = find_user(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(session: Session, user: User, new_password: str) -> int:
    """A new password ends what the old one opened: sessions created before this instant
    stop working (layers.accounts.sessions.find) and the account's API tokens are revoked,
    since one minted from a stolen session would otherwise outlive the change. Answers how
    many tokens were revoked."""
    check_new_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = session.scalar(select(func.clock_timestamp()))
    return _revoke_tokens(session, user.id)


def change_password(
    session: Session, user: User, current: str, new: str, keep_session: str | None
) -> int:
    """Answers how many API tokens the change revoked."""
    if not verify_password(user.password_hash, current):
        raise Refused(
            "現在のパスワードが正しくありません。", "the current password is wrong", status=403
        )
    revoked = set_password(session, user, new)
    sessions.end_all(session, user.id, keep_token=keep_session)
    return revoked


def _issue_token(session: Session, user: User, purpose: TokenPurpose) -> str:
    # A new link replaces any earlier one for the same purpose.
    session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=func.now())
    )
    token = new_secret()
    session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_secret(token),
            expires_at=datetime.now(UTC) + TOKEN_LIFETIME[purpose],
        )
    )
    return token


def _use_token(session: Session, token: str, purpose: TokenPurpose) -> User:
    row = session.scalar(
        select(EmailToken)
        .where(EmailToken.token_hash == hash_secret(token), EmailToken.purpose == purpose)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= datetime.now(UTC):
        raise Refused(
            "リンクが無効か期限切れです。もう一度お手続きください。",
            "the link is invalid, already used or expired; please ask for a new one",
            status=400,
        )
    row.used_at = datetime.now(UTC)
    user = session.get(User, row.user_id)
    assert user is not None  # the foreign key cascades
    return user


def send_verification(session: Session, user: User) -> None:
    token = _issue_token(session, user, TokenPurpose.verify_email)
    link = f"{get_settings().public_url}/auth/verify-email?token={token}"
    outbox.enqueue(
        session,
        "verify_email",
        user.email,
        "【machimap】メールアドレスの確認 / Confirm your e-mail address",
        f"{user.display_name} 様\n\n次のリンクを開いて、メールアドレスを確認してください"
        f"（3日間有効）。\n{link}\n\nOpen the link above within 3 days to confirm your address."
        "\n\nお心当たりのない場合は、このメールを破棄してください。"
        "\nIf you did not sign up, ignore this message.",
    )


def sign_up(session: Session, email: str, display_name: str, password: str) -> User:
    user = create_user(session, email, display_name, password, Role.resident)
    send_verification(session, user)
    return user


def verify_email(session: Session, token: str) -> User:
    user = _use_token(session, token, TokenPurpose.verify_email)
    if user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)
    return user


def request_password_reset(session: Session, email: str) -> None:
    """Queues a reset link if the account exists; says nothing either way (no enumeration)."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        return
    token = _issue_token(session, user, TokenPurpose.password_reset)
    link = f"{get_settings().public_url}/auth/reset-password?token={token}"
    outbox.enqueue(
        session,
        "password_reset",
        user.email,
        "【machimap】パスワードの再設定 / Reset your password",
        f"{user.display_name} 様\n\nパスワード再設定のご依頼を受け付けました。次のリンクから"
        f"1時間以内に新しいパスワードを設定してください。\n{link}\n\n"
        "Use the link above within one hour to choose a new password.\n\n"
        "ご依頼に心当たりがない場合は、このメールを破棄してください（パスワードは変わりません）。"
        "\nIf you did not ask for this, ignore this message; your password is unchanged.",
    )


def reset_password(session: Session, token: str, new_password: str) -> User:
    user = _use_token(session, token, TokenPurpose.password_reset)
    set_password(session, user, new_password)
    sessions.end_all(session, user.id)
    # Following the link proves the address, too.
    if user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)
    return user


def account_and_department(session: Session, user_id: int) -> tuple[User, Department | None] | None:
    """The account signed in here, with its department (None: there is no such account)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    department = session.get(Department, user.department_id) if user.department_id else None
    return user, department
