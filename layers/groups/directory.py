"""The directory of community groups: who they are (name, kind, area, what they say of
themselves) and how many active members they have; never who the members are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from layers.accounts.lifecycle import find_user
from layers.city.districts import District
from layers.groups.model import Group, GroupKind, MemberRole, Membership, MembershipStatus
from layers.store.refusals import Refused
from layers.store.sql import Page, counted_page


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


def _active_members() -> Select[tuple[int, Any]]:
    return (
        select(Membership.group_id, func.count().label("n"))
        .where(Membership.status == MembershipStatus.active)
        .group_by(Membership.group_id)
    )


def member_count(session: Session, group_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.group_id == group_id, Membership.status == MembershipStatus.active)
        )
        or 0
    )


def list_groups(
    session: Session, kind: GroupKind | None, district_id: int | None, limit: int, offset: int
) -> Page[dict[str, Any]]:
    counts = _active_members().subquery()
    query = select(Group, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.group_id == Group.id
    )
    if kind is not None:
        query = query.where(Group.kind == kind)
    if district_id is not None:
        query = query.where(Group.district_id == district_id)
    found = counted_page(session, query.order_by(Group.name, Group.id), limit, offset)
    return Page([group_json(g, n) for g, n in found.items], found.matched)


def group_view(session: Session, group: Group, user_id: int | None) -> dict[str, Any]:
    """The group as the directory shows it, with the caller's own role and status in it."""
    body = group_json(group, member_count(session, group.id))
    if user_id is not None:
        mine = session.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
        )
        if mine is not None:
            body["my_role"], body["my_status"] = mine.role, mine.status
    return body


def _duplicate(name: str) -> Refused:
    return Refused(
        f"グループ名「{name}」は既に使われています。",
        f"a group named {name!r} exists",
        status=409,
    )


def create_group(
    session: Session,
    name: str,
    kind: GroupKind,
    description: str | None,
    district_id: int | None,
    leader_email: str | None,
) -> dict[str, Any]:
    """A new group, with its first leader when an active account is named."""
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise _duplicate(name)
    if district_id is not None and session.get(District, district_id) is None:
        raise Refused(
            f"地区 {district_id} はありません。", f"no district {district_id}", status=422
        )
    leader = None
    if leader_email:
        leader = find_user(session, leader_email)
        if leader is None or not leader.is_active:
            raise Refused(
                "代表者のメールアドレスに該当するアカウントがありません。",
                "no active account with the leader's e-mail address",
                status=422,
            )
    group = Group(name=name, kind=kind, description=description, district_id=district_id)
    session.add(group)
    try:
        session.flush()
    except IntegrityError:  # created by someone else between the check and here
        raise _duplicate(name) from None
    if leader is not None:
        session.add(
            Membership(
                group_id=group.id,
                user_id=leader.id,
                role=MemberRole.leader,
                status=MembershipStatus.active,
            )
        )
        session.flush()
    session.refresh(group)
    return group_json(group, 1 if leader is not None else 0)
