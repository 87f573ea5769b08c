"""Administering accounts: finding them, and changing a name, a role, a department or
whether the account may sign in (from the API's admin pages and the command line alike).
A new role or a deactivation signs the account out everywhere at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from layers.accounts.lifecycle import department_by_code, revoke_access
from layers.accounts.users import Department, Role, User
from layers.store.refusals import Refused
from layers.store.sql import Page, counted_page


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_accounts(
    session: Session, role: Role | None, text: str | None, limit: int, offset: int
) -> Page[User]:
    """Accounts by role and by a part of the name or e-mail address, oldest first."""
    query: Select[tuple[User]] = select(User)
    if role:
        query = query.where(User.role == role)
    if text:
        query = query.where(User.email.ilike(_like(text)) | User.display_name.ilike(_like(text)))
    return counted_page(session, query.order_by(User.id), limit, offset, scalars=True)


def accounts_with_departments(session: Session, role: Role | None) -> list[tuple[User, str | None]]:
    """Every account (of a role) with its department's code, for the operator's list."""
    query = (
        select(User, Department.code)
        .outerjoin(Department, Department.id == User.department_id)
        .order_by(User.id)
    )
    if role is not None:
        query = query.where(User.role == role)
    return list(session.execute(query).tuples())


@dataclass(frozen=True)
class AccountChange:
    """What to change; None leaves a value as it is. ``department`` is a code, '' for none."""

    display_name: str | None = None
    role: Role | None = None
    department: str | None = None
    is_active: bool | None = None


def change_account(session: Session, user: User, change: AccountChange) -> dict[str, Any]:
    """Apply the change and answer what changed. The department is looked up before anything
    is changed: the query would flush a half-made change (a staff role without its
    department) into the CHECK constraint, which otherwise speaks at the flush below."""
    department = department_by_code(session, change.department) if change.department else None
    role_before = user.role
    after: dict[str, Any] = {}
    if change.display_name is not None:
        name = change.display_name.strip()[:100]
        if not name:
            raise Refused("表示名を入力してください。", "the display name must not be empty")
        user.display_name = after["display_name"] = name
    if change.role is not None:
        user.role = change.role
        after["role"] = change.role.value
    if change.department is not None:
        user.department_id = department.id if department else None
        after["department"] = department.code if department else None
    if change.is_active is not None:
        user.is_active = after["is_active"] = change.is_active
    session.flush()
    if change.is_active is False or user.role != role_before:
        revoke_access(session, user.id)
        after["access_revoked"] = True
    return after
