"""The caller as the policy sees them (layers/policy.Actor), made from their account: its
role, department and active group memberships."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.accounts.api_tokens import Scope
from layers.accounts.users import User
from layers.groups.model import MemberRole, Membership, MembershipStatus
from layers.policy import Actor


def memberships(session: Session, user_id: int, *, lock: bool = False) -> dict[int, MemberRole]:
    """The groups the account is an active member of, with its role in each."""
    query = select(Membership.group_id, Membership.role).where(
        Membership.user_id == user_id, Membership.status == MembershipStatus.active
    )
    if lock:
        query = query.with_for_update(read=True)
    return {group_id: role for group_id, role in session.execute(query)}


def actor_of(
    session: Session, user: User, ip: str | None, scopes: frozenset[Scope] | None
) -> Actor:
    """``scopes``: those of the API token the caller used; None for a browser session."""
    return Actor(
        user_id=user.id,
        role=user.role,
        department_id=user.department_id,
        memberships=memberships(session, user.id),
        scopes=scopes,
        email_verified=user.email_verified_at is not None,
        ip=ip,
    )


def as_now(session: Session, actor: Actor) -> Actor:
    """The same caller as the database has them at this moment, their account and active
    memberships locked (FOR SHARE) until the unit of work ends. A role, department or
    membership changed by someone else is either already committed, and seen here, or waits
    for this unit of work: an action is never decided on a caller who no longer exists.
    A deactivated account acts as nobody."""
    if actor.user_id is None:
        return actor
    account = session.execute(
        select(User.role, User.department_id, User.is_active, User.email_verified_at)
        .where(User.id == actor.user_id)
        .with_for_update(read=True)
    ).first()
    if account is None or not account.is_active:
        return Actor(ip=actor.ip)
    return Actor(
        user_id=actor.user_id,
        role=account.role,
        department_id=account.department_id,
        memberships=memberships(session, actor.user_id, lock=True),
        scopes=actor.scopes,
        email_verified=account.email_verified_at is not None,
        ip=actor.ip,
    )
