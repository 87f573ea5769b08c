"""Who is in a group. Joining only asks: the membership starts as "requested" and opens
nothing until a leader accepts it, so clicking "join" never reveals a group's private maps
or patrols. Changes to one group's members run one at a time (the group row is locked), so
two leaders demoting each other at once cannot leave the group without a leader."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from layers.accounts.users import User
from layers.groups.model import Group, MemberRole, Membership, MembershipStatus
from layers.store.refusals import Refused
from layers.store.sql import Page, counted_page, find_row, id_of


def member_json(m: Membership, display_name: str) -> dict[str, Any]:
    # Display names only: members see each other, not each other's e-mail addresses.
    return {
        "user_id": m.user_id,
        "display_name": display_name,
        "role": m.role,
        "status": m.status,
        "since": m.created_at.isoformat(),
    }


def lock_group(session: Session, group_id: int) -> Group:
    return find_row(session, Group, group_id, "グループ", "group", lock=True)


def _already(status: MembershipStatus) -> Refused:
    if status == MembershipStatus.requested:
        return Refused("既に参加を申請しています。", "you have already asked to join", status=409)
    return Refused("既にこのグループのメンバーです。", "you are already a member", status=409)


def ask_to_join(session: Session, group: Group, user_id: int) -> Membership:
    existing = session.scalar(
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
    session.add(membership)
    try:
        session.flush()
    except IntegrityError:  # a double click: the other request got there first
        raise _already(MembershipStatus.requested) from None
    return membership


def members(
    session: Session, group_id: int, with_requests: bool, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """Requests first (they wait for an answer), then leaders, then by name. Pending
    requests are for those who decide on them (``with_requests``)."""
    query = (
        select(Membership, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id)
    )
    if not with_requests:
        query = query.where(Membership.status == MembershipStatus.active)
    query = query.order_by(
        Membership.status.desc(),  # "requested" > "active"
        Membership.role,  # "leader" < "member"
        User.display_name,
        User.id,
    )
    found = counted_page(session, query, limit, offset)
    return Page([member_json(m, name) for m, name in found.items], found.matched)


def _other_leaders(session: Session, group_id: int, user_id: int) -> int:
    return (
        session.scalar(
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


def _refuse_if_last_leader(session: Session, m: Membership) -> None:
    if (
        m.role == MemberRole.leader
        and m.status == MembershipStatus.active
        and _other_leaders(session, m.group_id, m.user_id) == 0
    ):
        raise Refused(
            "最後の代表者は外せません。先に別のメンバーを代表者にしてください。",
            "the group's last leader cannot be removed; make another member a leader first",
            status=409,
        )


def set_member(
    session: Session, group: Group, user_id: int, role: MemberRole, may_enrol: bool
) -> dict[str, Any]:
    """Accept a request or change a role, on the locked group. Membership needs the person's
    own request; only an administrator (``may_enrol``), who manages accounts anyway, may
    enrol someone directly."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Refused(f"利用者 {user_id} はいません。", f"no active user {user_id}", status=404)
    m = session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
    )
    if m is None:
        if not may_enrol:
            raise Refused(
                "参加申請のない人をメンバーにはできません（管理者のみ可能）。",
                "this person has not asked to join; only an administrator may add them",
                status=403,
            )
        m = Membership(group_id=group.id, user_id=user_id)
        session.add(m)
    elif role == MemberRole.member:
        _refuse_if_last_leader(session, m)
    m.role, m.status = role, MembershipStatus.active
    session.flush()
    session.refresh(m)
    return member_json(m, user.display_name)


def find_membership(session: Session, group_id: str, user_id: str) -> Membership:
    m = None
    group, user = id_of(group_id), id_of(user_id)
    if group is not None and user is not None:
        m = session.scalar(
            select(Membership).where(Membership.group_id == group, Membership.user_id == user)
        )
    if m is None:
        raise Refused(
            f"グループ {group_id} に利用者 {user_id} のメンバー登録はありません。",
            f"user {user_id!r} has no membership in group {group_id!r}",
            status=404,
        )
    return m


def lock_membership(session: Session, found: Membership) -> Membership:
    """The group locked, then the membership; when it was ended meanwhile, the one the
    request named (who and which group never change), for end() to find gone."""
    lock_group(session, found.group_id)
    locked = session.get(Membership, found.id, with_for_update=True)
    return locked if locked is not None else found


def end(session: Session, membership: Membership) -> None:
    """Leave, withdraw a request or remove a member; ending one already ended is done."""
    if membership not in session:  # ended by someone else meanwhile: what the caller wanted
        return
    _refuse_if_last_leader(session, membership)
    session.delete(membership)


def my_groups(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Group.id, Group.name, Membership.role, Membership.status)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user_id)
        .order_by(Group.name)
    )
    return [{"id": g, "name": n, "role": r, "status": s} for g, n, r, s in rows]
