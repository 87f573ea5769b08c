"""Sign-in, sign-out, sign-up, e-mail verification, password change and reset (`/auth`)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.accounts.documents import account_json
from api.callers import clear_session_cookies, identify, set_session_cookies
from api.forms import json_or_form
from api.negotiation import wants_html
from api.openapi import body
from api.pages import message, page
from api.permissions import Authorized, acting, permit, rate_limits
from layers.accounts import audit, sessions
from layers.accounts import lifecycle as accounts
from layers.accounts.users import User
from layers.policy import Action
from layers.store.audited import AuditActor
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings
from layers.store.sql import find_row

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class SignUp(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "hanako@example.jp",
                    "display_name": "焼津 花子",
                    "password": "kawa-no-hotori-12",
                }
            ]
        }
    )

    email: str = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(max_length=1024)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class EmailOnly(BaseModel):
    email: str = Field(max_length=254)


class TokenOnly(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class NewPassword(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(max_length=1024)


def _own_account(auth: Authorized) -> Callable[[Session], User]:
    """For acting(): the caller's own account row, locked."""
    return lambda db: find_row(db, User, auth.actor.user_id or 0, "利用者", "user", lock=True)


def _signed_in(request: Request, response: Response, user: User) -> dict[str, Any]:
    """Start a fresh session (never reuse one from before sign-in: session fixation)."""
    caller = identify(request)
    with session_scope() as db:
        if caller.session_token:
            sessions.end(db, caller.session_token)
        new = sessions.start(db, user, caller.actor.ip, request.headers.get("user-agent"))
    max_age = get_settings().session_max_age_hours * 3600
    set_session_cookies(response, new.token, new.csrf_token, max_age)
    return {"user": account_json(user), "csrf_token": new.csrf_token}


@router.get("/session", summary="ログイン状態 / Who is signed in here")
def current_session(auth: Authorized = permit(Action.public_read)) -> dict[str, Any]:
    """Always 200, so a page can ask without a refused request in the browser's console:
    the account (with its department) or `null` for the public."""
    if auth.actor.user_id is None:
        return {"account": None}
    with session_scope() as db:
        found = accounts.account_and_department(db, auth.actor.user_id)
        if found is None:
            return {"account": None}
        user, department = found
        return {
            "account": {
                **account_json(user),
                "department": {"code": department.code, "name": department.name}
                if department
                else None,
            }
        }


@router.post("/login", summary="ログイン / Sign in")
def login(
    body: Credentials,
    request: Request,
    response: Response,
    auth: Authorized = permit(Action.sign_in),
) -> dict[str, Any]:
    limits = rate_limits(request)
    ip, key = auth.actor.ip, auth.actor.ip or "unknown"
    email = body.email.strip().lower()
    # Failures count per account *and* address: an attacker elsewhere cannot lock the owner out.
    limits.check("sign_in_failures", email, key)
    limits.hit("sign_in_ip", key)
    with session_scope() as db:
        user = accounts.authenticate(db, email, body.password)
        if user is None:
            known = accounts.find_user(db, email)
            audit.record(
                db,
                "auth.sign_in_failed",
                subject_layer="user_account" if known else None,
                subject_id=known.id if known else None,
                ip=ip,
            )
        else:
            audit.record(db, "auth.sign_in", actor=AuditActor(user.id, ip))
    if user is None:
        limits.hit("sign_in_failures", email, key)
        raise Refused(
            "メールアドレスまたはパスワードが正しくありません。",
            "wrong e-mail address or password",
            status=401,
            type_="/problems/sign-in-failed",
        )
    limits.clear("sign_in_failures", email, key)
    return _signed_in(request, response, user)


@router.post(
    "/logout",
    status_code=204,
    summary="ログアウト / Sign out",
    dependencies=[permit(Action.sign_in)],
)
def logout(request: Request, response: Response) -> None:
    caller = identify(request)
    if caller.session_token:
        with session_scope() as db:
            sessions.end(db, caller.session_token)
    clear_session_cookies(response)


@router.post("/signup", status_code=201, summary="利用登録 / Sign up (residents)")
def signup(
    body: SignUp,
    request: Request,
    response: Response,
    auth: Authorized = permit(Action.sign_up),
) -> dict[str, Any]:
    ip = auth.actor.ip
    rate_limits(request).hit("sign_up_ip", ip or "unknown")
    with session_scope() as db:
        user = accounts.sign_up(db, body.email, body.display_name, body.password)
        audit.record(
            db,
            "account.sign_up",
            subject_layer="user_account",
            subject_id=user.id,
            actor=AuditActor(user.id, ip),
        )
    return _signed_in(request, response, user)


@router.post("/password", summary="パスワード変更 / Change password")
def change_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    auth: Authorized = permit(Action.account_security),
) -> dict[str, Any]:
    with acting(auth, _own_account(auth)) as (db, user):
        revoked = accounts.change_password(
            db, user, body.current_password, body.new_password, auth.caller.session_token
        )
        audit.record(
            db,
            "account.password_changed",
            subject_layer="user_account",
            subject_id=user.id,
            after={"api_tokens_revoked": revoked},
        )
    # Every older session (this one included) is void now; this browser gets a new one.
    return {**_signed_in(request, response, user), **_tokens_revoked(revoked)}


def _tokens_revoked(count: int) -> dict[str, Any]:
    return {
        "api_tokens_revoked": count,
        "note_ja": "パスワードを変えたため、ほかのログインと API トークンは"
        "すべて無効になりました。",
        "note": "the password changed: every other sign-in and every API token is revoked",
    }


@router.post(
    "/verify-email/resend",
    status_code=202,
    summary="確認メールの再送 / Send the confirmation e-mail again",
)
def resend_verification(
    request: Request, auth: Authorized = permit(Action.account_security)
) -> dict[str, str]:
    rate_limits(request).hit("sign_up_ip", auth.actor.ip or "unknown")
    with acting(auth, _own_account(auth)) as (db, user):
        if user.email_verified_at is None:
            accounts.send_verification(db, user)
    return {"status": "queued"}


def _token_form(action: str, token: str, extra: str, button_ja: str, button_en: str) -> str:
    return (
        f'<form method="post" action="{action}">'
        f'<input type="hidden" name="token" value="{escape(token)}">{extra}'
        f'<button type="submit">{escape(button_ja)} / {escape(button_en)}</button></form>'
    )


@router.get(
    "/verify-email",
    response_class=HTMLResponse,
    summary="メールアドレス確認ページ / E-mail confirmation page",
    dependencies=[permit(Action.public_read)],
)
def verify_email_page(token: str = Query(max_length=200)) -> HTMLResponse:
    # A GET never uses the token: mail scanners open links before people do.
    return page(
        "メールアドレスの確認",
        "Confirm your e-mail address",
        message("下のボタンを押すと確認が完了します。", "Press the button to confirm your address.")
        + _token_form("/auth/verify-email", token, "", "確認する", "Confirm"),
    )


def _follow_link(
    request: Request,
    auth: Authorized,
    event: str,
    use: Callable[[Session], User],
    failed: tuple[str, str],
    done: tuple[str, str, str, str],
    answer: Callable[[User], dict[str, Any]],
) -> Any:
    """Use an e-mail link's token, audit it, and answer as a page (the link's own form) or
    JSON. `failed` is a page title (ja, en); `done` a title and a message (ja, en, ja, en)."""
    try:
        with session_scope() as db:
            user = use(db)
            audit.record(
                db,
                event,
                subject_layer="user_account",
                subject_id=user.id,
                actor=AuditActor(user.id, auth.actor.ip),
            )
    except Refused as exc:
        if wants_html(request):
            return page(*failed, message(exc.message_ja, exc.message_en), status=exc.status)
        raise
    if wants_html(request):
        return page(done[0], done[1], message(done[2], done[3]))
    return answer(user)


@router.post(
    "/verify-email",
    summary="メールアドレスを確認 / Confirm e-mail address",
    openapi_extra=body(TokenOnly),
)
async def verify_email(request: Request, auth: Authorized = permit(Action.sign_in)) -> Any:
    body = await json_or_form(request, TokenOnly)
    return _follow_link(
        request,
        auth,
        "account.email_verified",
        lambda db: accounts.verify_email(db, body.token),
        ("確認できませんでした", "Not confirmed"),
        (
            "確認しました",
            "Confirmed",
            "メールアドレスを確認しました。",
            "Your e-mail address is confirmed.",
        ),
        lambda user: {"status": "verified", "email": user.email},
    )


@router.post(
    "/password-reset",
    status_code=202,
    summary="パスワード再設定の依頼 / Ask for a password reset link",
)
def request_password_reset(
    body: EmailOnly, request: Request, auth: Authorized = permit(Action.sign_in)
) -> dict[str, str]:
    rate_limits(request).hit("sign_up_ip", auth.actor.ip or "unknown")
    with session_scope() as db:
        accounts.request_password_reset(db, body.email)
    # The same answer whether or not the address has an account.
    return {
        "status": "queued",
        "detail_ja": "登録済みのアドレスであれば、再設定用のリンクを送りました。",
        "detail": "if the address has an account, a reset link is on its way",
    }


@router.get(
    "/reset-password",
    response_class=HTMLResponse,
    summary="パスワード再設定ページ / Password reset page",
    dependencies=[permit(Action.public_read)],
)
def reset_password_page(token: str = Query(max_length=200)) -> HTMLResponse:
    field = (
        '<p><label for="new_password">新しいパスワード（10文字以上）'
        " / New password (10 characters or more)</label><br>"
        '<input id="new_password" name="new_password" type="password" required minlength="10"'
        ' autocomplete="new-password"></p>'
    )
    return page(
        "パスワードの再設定",
        "Reset your password",
        _token_form("/auth/reset-password", token, field, "設定する", "Set password"),
    )


@router.post(
    "/reset-password",
    summary="パスワードを再設定 / Set a new password",
    openapi_extra=body(NewPassword),
)
async def reset_password(request: Request, auth: Authorized = permit(Action.sign_in)) -> Any:
    body = await json_or_form(request, NewPassword)
    return _follow_link(
        request,
        auth,
        "account.password_reset",
        lambda db: accounts.reset_password(db, body.token, body.new_password),
        ("再設定できませんでした", "Password not changed"),
        (
            "再設定しました",
            "Password changed",
            "新しいパスワードでログインしてください。ほかのログインと API トークンは"
            "すべて無効になりました。",
            "Sign in with your new password. Every other sign-in and every API token of "
            "the account is revoked.",
        ),
        lambda user: {"status": "changed", "api_tokens_revoked": True},
    )
