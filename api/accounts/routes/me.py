"""The signed-in account: who am I, my reports, my groups, my API tokens (`/api/me`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.accounts.documents import account_json, token_json
from api.pagination import Page, page_body, page_params
from api.params import PathId
from api.permissions import Authorized, acting, permit
from layers.accounts import api_tokens
from layers.accounts.api_tokens import Scope
from layers.accounts.users import Role, User
from layers.groups.membership import my_groups
from layers.policy import Action
from layers.reports.view import my_reports as reports_of
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.sql import find_row

router = APIRouter(prefix="/api/me", tags=["account"])


def _account(auth: Authorized, *, lock: bool = False) -> Callable[[Session], User]:
    """The caller's own account row (for acting(): locked)."""
    return lambda db: find_row(db, User, auth.actor.user_id or 0, "利用者", "user", lock=lock)


@router.get("", summary="自分のアカウント / My account")
def me(auth: Authorized = permit(Action.account_read)) -> dict[str, Any]:
    with session_scope() as db:
        user = _account(auth)(db)
        return {**account_json(user), "groups": my_groups(db, user.id), "via": auth.caller.via}


@router.get("/reports", summary="自分の通報 / My reports")
def my_reports(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.report_read_own),
) -> dict[str, Any]:
    assert auth.actor.user_id is not None  # the policy admits only signed-in callers
    with session_scope() as db:
        found = reports_of(db, auth.actor.user_id, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched)


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


@router.get("/tokens", summary="APIトークン一覧 / My API tokens")
def list_tokens(auth: Authorized = permit(Action.account_security)) -> dict[str, Any]:
    assert auth.actor.user_id is not None
    with session_scope() as db:
        return {"tokens": [token_json(r) for r in api_tokens.tokens_of(db, auth.actor.user_id)]}


@router.post("/tokens", status_code=201, summary="APIトークン発行 / Create an API token")
def create_token(
    body: TokenRequest, auth: Authorized = permit(Action.account_security)
) -> dict[str, Any]:
    expires = (
        datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    )
    with acting(auth, _account(auth, lock=True)) as (db, user):
        if Scope.admin in body.scopes and user.role != Role.admin:
            raise Refused(
                "admin スコープは管理者だけが発行できます。",
                "only administrators may create tokens with the admin scope",
                status=403,
            )
        issued = api_tokens.issue(db, user, body.name, body.scopes, expires)
        return {
            **token_json(issued.row),
            "token": issued.token,
            "note_ja": "このトークンは今回だけ表示されます。安全な場所に保管してください。",
            "note": "this token is shown only once; keep it somewhere safe",
        }


@router.delete("/tokens/{token_id}", status_code=204, summary="APIトークン失効 / Revoke")
def revoke_token(token_id: PathId, auth: Authorized = permit(Action.account_security)) -> None:
    with acting(auth, _account(auth, lock=True)) as (db, user):
        api_tokens.revoke(db, user.id, token_id)
