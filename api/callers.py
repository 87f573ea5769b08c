"""Who is calling: a browser session cookie, a personal API token, or nobody.

Anonymous requests (the public map, tiles, OGC clients) never touch the database here."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from fastapi import Request, Response

from layers.accounts import api_tokens, sessions
from layers.accounts.actors import actor_of
from layers.accounts.api_tokens import Scope
from layers.policy import Actor
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings

SESSION_COOKIE = "mm_session"
# Readable by the page's script, which echoes it in the X-CSRF-Token header.
CSRF_COOKIE = "mm_csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Caller:
    actor: Actor
    # How the caller proved who they are: decides whether CSRF protection applies.
    via: str  # "anonymous" | "session" | "token"
    csrf_token: str | None = None
    session_token: str | None = None


def client_ip(request: Request) -> str | None:
    """The caller's address, if it is one (test clients and unix sockets have none).
    Behind a trusted proxy uvicorn's ProxyHeadersMiddleware has already put the real client
    here (Settings.forwarded_allow_ips)."""
    host = request.client.host if request.client else ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def identify(request: Request) -> Caller:
    """The caller of this request, resolved once and kept on request.state."""
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    ip = client_ip(request)
    caller = Caller(Actor(ip=ip), "anonymous")
    authorization = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if authorization:
        scheme, _, token = authorization.partition(" ")
        found = token_caller(token.strip(), ip) if scheme.lower() == "bearer" else None
        if found is None:
            raise _bad_token()
        caller = found
    elif cookie:
        with session_scope() as db:
            live = sessions.find(db, cookie)
            if live is not None:
                auth, user = live
                caller = Caller(
                    actor_of(db, user, ip, None),
                    "session",
                    csrf_token=auth.csrf_token,
                    session_token=cookie,
                )
    request.state.caller = caller
    return caller


def token_caller(token: str, ip: str | None) -> Caller | None:
    """The caller behind a personal API token (a Bearer header, Open311's api_key); None when
    the token is unknown, revoked or expired."""
    if not token:
        return None
    with session_scope() as db:
        found = api_tokens.find(db, token)
        if found is None:
            return None
        row, user = found
        scopes = frozenset(Scope(s) for s in row.scopes)
        return Caller(actor_of(db, user, ip, scopes), "token")


def _bad_token() -> Refused:
    return Refused(
        "APIトークンが無効です（失効・期限切れ・形式誤り）。",
        "the API token is invalid, revoked or expired",
        status=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def check_csrf(request: Request, caller: Caller) -> None:
    """A state-changing request riding on the session cookie must echo the session's CSRF
    token; SameSite=Lax alone does not cover every browser and sub-domain case."""
    if caller.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not caller.csrf_token or not hmac.compare_digest(sent, caller.csrf_token):
        raise Refused(
            "CSRFトークンがありません、または一致しません。ページを再読み込みしてください。",
            f"missing or wrong {CSRF_HEADER} header for a cookie-authenticated request",
            status=403,
            type_="/problems/csrf",
        )


def check_origin(request: Request) -> None:
    """Refuse a browser request sent from another site's page (login CSRF)."""
    origin = request.headers.get("origin")
    if origin is None:  # not sent by a browser form or script
        return
    own = {f"{request.url.scheme}://{request.url.netloc}", get_settings().public_url.rstrip("/")}
    if origin not in own:
        raise Refused(
            "他のサイトからのリクエストは受け付けられません。",
            f"cross-site request from {origin} refused",
            status=403,
            type_="/problems/csrf",
        )


def set_session_cookies(response: Response, token: str, csrf: str, max_age: int) -> None:
    secure = get_settings().cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )


def clear_session_cookies(response: Response) -> None:
    secure = get_settings().cookie_secure
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=http_only, samesite="lax")
