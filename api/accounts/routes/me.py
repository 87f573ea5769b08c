"""The signed-in account: who am I, my reports, my groups, my API tokens (`/api/me`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from api.accounts.routes.auth import account_json
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit
from layers.accounts import api_tokens
from layers.accounts.api_tokens import ApiToken, Scope
from layers.accounts.users import Role, User
from layers.groups.model import Group, Membership
from layers.policy import Action
from layers.reports.model import Report, ReportCategory
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api/me", tags=["account"])


@router.get("", summary="自分のアカウント / My account")
def me(auth: Authorized = permit(Action.account_read)) -> dict[str, Any]:
    with session_scope() as db:
        user = db.get(User, auth.actor.user_id)
        assert user is not None
        groups = db.execute(
            select(Group.id, Group.name, Membership.role, Membership.status)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id)
            .order_by(Group.name)
        )
        return {
            **account_json(user),
            "groups": [{"id": g, "name": n, "role": r, "status": s} for g, n, r, s in groups],
            "via": auth.caller.via,
        }


@router.get("/reports", summary="自分の通報 / My reports")
def my_reports(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.report_read_own),
) -> dict[str, Any]:
    mine = Report.reporter_user_id == auth.actor.user_id
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(Report).where(mine)) or 0
        rows = db.execute(
            select(Report, ReportCategory.code, ReportCategory.name_ja, ReportCategory.name_en)
            .join(ReportCategory, ReportCategory.id == Report.category_id)
            .where(mine)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        ).all()
        items = [
            {
                "public_id": r.public_id,
                "status": r.status,
                "category": {"code": code, "name_ja": ja, "name_en": en},
                "description": r.description,
                "is_public": r.is_public,
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r, code, ja, en in rows
        ]
    return page_body(request, page, items, matched)


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


def token_json(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "hint": row.hint + "…",
        "scopes": row.scopes,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked": row.revoked_at is not None,
    }


@router.get("/tokens", summary="APIトークン一覧 / My API tokens")
def list_tokens(auth: Authorized = permit(Action.account_security)) -> dict[str, Any]:
    with session_scope() as db:
        rows = db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == auth.actor.user_id)
            .order_by(ApiToken.created_at.desc())
        )
        return {"tokens": [token_json(r) for r in rows]}


@router.post("/tokens", status_code=201, summary="APIトークン発行 / Create an API token")
def create_token(
    body: TokenRequest, auth: Authorized = permit(Action.account_security)
) -> dict[str, Any]:
    if Scope.admin in body.scopes and auth.actor.role != Role.admin:
        raise Refused(
            "admin スコープは管理者だけが発行できます。",
            "only administrators may create tokens with the admin scope",
            status=403,
        )
    expires = (
        datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    )
    with session_scope(auth.actor.audit) as db:
        user = db.get(User, auth.actor.user_id)
        assert user is not None
        issued = api_tokens.issue(db, user, body.name, body.scopes, expires)
        db.refresh(issued.row)
        return {
            **token_json(issued.row),
            "token": issued.token,
            "note_ja": "このトークンは今回だけ表示されます。安全な場所に保管してください。",
            "note": "this token is shown only once; keep it somewhere safe",
        }


@router.delete("/tokens/{token_id}", status_code=204, summary="APIトークン失効 / Revoke")
def revoke_token(token_id: int, auth: Authorized = permit(Action.account_security)) -> None:
    with session_scope(auth.actor.audit) as db:
        done = db.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.user_id == auth.actor.user_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=func.now())
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise Refused(f"トークン {token_id} はありません。", f"no token {token_id}", status=404)
