"""Community groups and their members (`/api/groups`).

Joining only asks: the membership starts as "requested" and opens nothing until a leader
accepts it, so clicking "join" never reveals a group's private maps or patrols."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit, row_of
from layers.accounts import lifecycle as accounts
from layers.accounts.users import User
from layers.city.districts import District
from layers.groups.model import Group, GroupKind, MemberRole, Membership, MembershipStatus
from layers.policy import Action, Actor, can
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["groups"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

group_row = row_of(Group, "group_id", "グループ", "group")


class NewGroup(BaseModel):
    name: Name
    kind: GroupKind
    description: str | None = Field(default=None, max_length=4000)
    district_id: int | None = None
    leader_email: str | None = Field(default=None, max_length=254)


class MemberChange(BaseModel):
    role: MemberRole
    # Only acceptance: a leader cannot put someone back into "requested".
    status: Literal["active"] = "active"


def _active_members() -> Select[tuple[int, Any]]:
    return (
        select(Membership.group_id, func.count().label("n"))
        .where(Membership.status == MembershipStatus.active)
        .group_by(Membership.group_id)
    )


def vary_by_caller(response: Response, actor: Actor) -> None:
    """For a public answer that shows the signed-in caller more (their role, the group's
    drafts): a shared cache must neither store it nor hand the anonymous copy to members."""
    response.headers["Vary"] = "Cookie, Authorization"
    if actor.signed_in:
        response.headers["Cache-Control"] = "private"


def group_json(group: Group, member_count: int) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "kind": group.kind,
        "description": group.description,
        "district_id": group.district_id,
        "member_count": member_count,
        "created_at": group.created_at.isoformat(),
    }


def _member_count(db: Session, group_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.group_id == group_id, Membership.status == MembershipStatus.active)
        )
        or 0
    )


def member_json(m: Membership, display_name: str) -> dict[str, Any]:
    # Display names only: members see each other, not each other's e-mail addresses.
    return {
        "user_id": m.user_id,
        "display_name": display_name,
        "role": m.role,
        "status": m.status,
        "since": m.created_at.isoformat(),
    }


@router.get(
    "/api/groups",
    summary="グループ一覧 / Community groups",
    dependencies=[permit(Action.public_read)],
)
def list_groups(
    request: Request,
    kind: GroupKind | None = None,
    district_id: int | None = None,
    page: Page = Depends(page_params),
) -> dict[str, Any]:
    counts = _active_members().subquery()
    query = select(Group, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.group_id == Group.id
    )
    if kind is not None:
        query = query.where(Group.kind == kind)
    if district_id is not None:
        query = query.where(Group.district_id == district_id)
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(Group.name, Group.id).limit(page.limit).offset(page.offset)
        ).all()
        items = [group_json(g, n) for g, n in rows]
    return page_body(request, page, items, matched)


@router.post("/api/groups", status_code=201, summary="グループ作成 / Create a group")
def create_group(body: NewGroup, auth: Authorized = permit(Action.group_create)) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        if db.scalar(select(Group.id).where(Group.name == body.name)) is not None:
            raise _duplicate(body.name)
        if body.district_id is not None and db.get(District, body.district_id) is None:
            raise Refused(
                f"地区 {body.district_id} はありません。",
                f"no district {body.district_id}",
                status=422,
            )
        leader = None
        if body.leader_email:
            leader = accounts.find_user(db, body.leader_email)
            if leader is None or not leader.is_active:
                raise Refused(
                    "代表者のメールアドレスに該当するアカウントがありません。",
                    "no active account with the leader's e-mail address",
                    status=422,
                )
        group = Group(
            name=body.name,
            kind=body.kind,
            description=body.description,
            district_id=body.district_id,
        )
        db.add(group)
        try:
            db.flush()
        except IntegrityError:  # created by someone else between the check and here
            raise _duplicate(body.name) from None
        if leader is not None:
            db.add(
                Membership(
                    group_id=group.id,
                    user_id=leader.id,
                    role=MemberRole.leader,
                    status=MembershipStatus.active,
                )
            )
            db.flush()
        db.refresh(group)
        return group_json(group, 1 if leader is not None else 0)


def _duplicate(name: str) -> Refused:
    return Refused(
        f"グループ名「{name}」は既に使われています。", f"a group named {name!r} exists", status=409
    )


@router.get("/api/groups/{group_id}", summary="グループ / A group")
def get_group(
    response: Response, auth: Authorized = permit(Action.public_read, group_row)
) -> dict[str, Any]:
    group: Group = auth.resource
    vary_by_caller(response, auth.actor)
    with session_scope() as db:
        body = group_json(group, _member_count(db, group.id))
        if auth.actor.user_id is not None:
            mine = db.scalar(
                select(Membership).where(
                    Membership.group_id == group.id, Membership.user_id == auth.actor.user_id
                )
            )
            if mine is not None:
                body["my_role"], body["my_status"] = mine.role, mine.status
    return body


@router.post(
    "/api/groups/{group_id}/join", status_code=202, summary="参加申請 / Ask to join a group"
)
def join_group(auth: Authorized = permit(Action.group_join, group_row)) -> dict[str, Any]:
    group: Group = auth.resource
    user_id = auth.actor.user_id
    assert user_id is not None  # the policy admits only signed-in callers
    with session_scope(auth.actor.audit) as db:
        existing = db.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
        )
        if existing is not None:
            raise _already(existing.status)
        membership = Membership(
            group_id=group.id,
            user_id=user_id,
            role=MemberRole.member,
            status=MembershipStatus.requested,
        )
        db.add(membership)
        try:
            db.flush()
        except IntegrityError:  # a double click: the other request got there first
            raise _already(MembershipStatus.requested) from None
        return {
            "group_id": group.id,
            "status": membership.status,
            "role": membership.role,
            "note_ja": "参加を申請しました。グループの代表者が承認すると参加できます。",
            "note": "your request was sent; a leader of the group has to accept it",
        }


def _already(status: MembershipStatus) -> Refused:
    if status == MembershipStatus.requested:
        return Refused("既に参加を申請しています。", "you have already asked to join", status=409)
    return Refused("既にこのグループのメンバーです。", "you are already a member", status=409)


@router.get("/api/groups/{group_id}/members", summary="メンバー一覧 / Members")
def list_members(
    request: Request,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.group_members_read, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    query = (
        select(Membership, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group.id)
    )
    # Pending requests are for those who decide on them.
    if not can(auth.actor, Action.group_manage_members, group):
        query = query.where(Membership.status == MembershipStatus.active)
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(
                Membership.status.desc(),  # requests first: they wait for an answer
                Membership.role,  # then leaders ("leader" < "member")
                User.display_name,
                User.id,
            )
            .limit(page.limit)
            .offset(page.offset)
        ).all()
        items = [member_json(m, name) for m, name in rows]
    return page_body(request, page, items, matched, key="members")


def _lock_group(db: Session, group_id: int) -> Group:
    """Membership changes of one group run one at a time, so two leaders demoting each
    other at the same moment cannot leave the group without any leader."""
    group = db.get(Group, group_id, with_for_update=True)
    if group is None:
        raise Refused(f"グループ {group_id} はありません。", f"no group {group_id}", status=404)
    return group


def _other_leaders(db: Session, group_id: int, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.group_id == group_id,
                Membership.user_id != user_id,
                Membership.role == MemberRole.leader,
                Membership.status == MembershipStatus.active,
            )
        )
        or 0
    )


def _refuse_if_last_leader(db: Session, m: Membership) -> None:
    if (
        m.role == MemberRole.leader
        and m.status == MembershipStatus.active
        and _other_leaders(db, m.group_id, m.user_id) == 0
    ):
        raise Refused(
            "最後の代表者は外せません。先に別のメンバーを代表者にしてください。",
            "the group's last leader cannot be removed; make another member a leader first",
            status=409,
        )


@router.put(
    "/api/groups/{group_id}/members/{user_id}",
    summary="参加承認・役割変更 / Accept a request or change a role",
)
def set_member(
    user_id: int,
    body: MemberChange,
    auth: Authorized = permit(Action.group_manage_members, group_row),
) -> dict[str, Any]:
    group: Group = auth.resource
    with session_scope(auth.actor.audit) as db:
        _lock_group(db, group.id)
        user = db.get(User, user_id)
        if user is None or not user.is_active:
            raise Refused(f"利用者 {user_id} はいません。", f"no active user {user_id}", status=404)
        m = db.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
        )
        if m is None:
            # Membership needs the person's own request; only an administrator, who manages
            # accounts anyway, may enrol someone directly.
            if not can(auth.actor, Action.account_manage):
                raise Refused(
                    "参加申請のない人をメンバーにはできません（管理者のみ可能）。",
                    "this person has not asked to join; only an administrator may add them",
                    status=403,
                )
            m = Membership(group_id=group.id, user_id=user_id)
            db.add(m)
        elif body.role == MemberRole.member:
            _refuse_if_last_leader(db, m)
        m.role, m.status = body.role, MembershipStatus(body.status)
        db.flush()
        db.refresh(m)
        return member_json(m, user.display_name)


def _membership_row(db: Session, request: Request) -> Membership:
    raw_group = str(request.path_params.get("group_id", ""))
    raw_user = str(request.path_params.get("user_id", ""))
    m = None
    if raw_group.isdigit() and raw_user.isdigit():
        m = db.scalar(
            select(Membership).where(
                Membership.group_id == int(raw_group), Membership.user_id == int(raw_user)
            )
        )
    if m is None:
        raise Refused(
            f"グループ {raw_group} に利用者 {raw_user} のメンバー登録はありません。",
            f"user {raw_user!r} has no membership in group {raw_group!r}",
            status=404,
        )
    return m


@router.delete(
    "/api/groups/{group_id}/members/{user_id}",
    status_code=204,
    summary="退会・申請取り下げ・除名 / Leave, withdraw a request, or remove a member",
)
def end_membership(auth: Authorized = permit(Action.membership_end, _membership_row)) -> None:
    found: Membership = auth.resource
    with session_scope(auth.actor.audit) as db:
        _lock_group(db, found.group_id)
        m = db.get(Membership, found.id)
        if m is None:  # ended by someone else meanwhile: the outcome the caller wanted
            return
        _refuse_if_last_leader(db, m)
        db.delete(m)
