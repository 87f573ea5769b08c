"""Community groups and their members (`/api/groups`): the directory, joining (a request a
leader accepts), and the leaders' and administrators' membership changes
(layers/groups/directory.py, layers/groups/membership.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.caching import vary_by_caller
from api.forms import LongText
from api.groups.loaders import group_row, membership_row
from api.pagination import Page, page_body, page_params
from api.params import BodyId, PathId, QueryId
from api.permissions import Authorized, acting, permit
from layers.accounts.actors import as_now
from layers.groups import directory, membership
from layers.groups.model import Group, GroupKind, MemberRole
from layers.policy import Action, can
from layers.store.db import session_scope

router = APIRouter(tags=["groups"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class NewGroup(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "本町二丁目自治会 防犯部",
                    "kind": "neighbourhood_association",
                    "description": "毎月第2土曜日に夜間パトロールをしています。",
                }
            ]
        }
    )

    name: Name
    kind: GroupKind
    description: LongText | None = None
    district_id: BodyId | None = None
    leader_email: str | None = Field(default=None, max_length=254)


class MemberChange(BaseModel):
    role: MemberRole
    # Only acceptance: a leader cannot put someone back into "requested".
    status: Literal["active"] = "active"


@router.get(
    "/api/groups",
    summary="グループ一覧 / Community groups",
    dependencies=[permit(Action.public_read)],
)
def list_groups(
    request: Request,
    kind: GroupKind | None = None,
    district_id: QueryId = None,
    page: Page = Depends(page_params),
) -> dict[str, Any]:
    with session_scope() as db:
        found = directory.list_groups(db, kind, district_id, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched)


@router.post("/api/groups", status_code=201, summary="グループ作成 / Create a group")
def create_group(body: NewGroup, auth: Authorized = permit(Action.group_create)) -> dict[str, Any]:
    with acting(auth, lambda db: None) as (db, _):
        return directory.create_group(
            db, body.name, body.kind, body.description, body.district_id, body.leader_email
        )


@router.get("/api/groups/{group_id}", summary="グループ / A group")
def get_group(
    response: Response, auth: Authorized = permit(Action.public_read, group_row)
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    with session_scope() as db:
        return directory.group_view(db, auth.resource, auth.actor.user_id)


@router.post(
    "/api/groups/{group_id}/join", status_code=202, summary="参加申請 / Ask to join a group"
)
def join_group(auth: Authorized = permit(Action.group_join, group_row)) -> dict[str, Any]:
    group: Group = auth.resource
    with acting(auth, lambda db: membership.lock_group(db, group.id)) as (db, locked):
        assert auth.actor.user_id is not None  # the policy admits only signed-in callers
        joined = membership.ask_to_join(db, locked, auth.actor.user_id)
        return {
            "group_id": locked.id,
            "status": joined.status,
            "role": joined.role,
            "note_ja": "参加を申請しました。グループの代表者が承認すると参加できます。",
            "note": "your request was sent; a leader of the group has to accept it",
        }


@router.get("/api/groups/{group_id}/members", summary="メンバー一覧 / Members")
def list_members(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_members_read, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    # Pending requests are for those who decide on them.
    deciding = can(auth.actor, Action.group_manage_members, group)
    with session_scope() as db:
        found = membership.members(db, group.id, deciding, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched, key="members")


@router.put(
    "/api/groups/{group_id}/members/{user_id}",
    summary="参加承認・役割変更 / Accept a request or change a role",
)
def set_member(
    user_id: PathId,
    body: MemberChange,
    auth: Authorized = permit(Action.group_manage_members, group_row),
) -> dict[str, Any]:
    group_id = auth.resource.id
    with acting(auth, lambda db: membership.lock_group(db, group_id)) as (db, group):
        # Administrators manage accounts anyway; only they may enrol someone directly.
        may_enrol = can(as_now(db, auth.actor), Action.account_manage)
        return membership.set_member(db, group, user_id, body.role, may_enrol)


@router.delete(
    "/api/groups/{group_id}/members/{user_id}",
    status_code=204,
    summary="退会・申請取り下げ・除名 / Leave, withdraw a request, or remove a member",
)
def end_membership(auth: Authorized = permit(Action.membership_end, membership_row)) -> None:
    found = auth.resource
    with acting(auth, lambda db: membership.lock_membership(db, found)) as (db, locked):
        membership.end(db, locked)
