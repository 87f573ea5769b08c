"""Administration: accounts, departments and the audit log (`/api/admin`), plus the public
list of departments (`/api/departments`). The audit log is read-only here: there is no route
that changes it, and the database refuses UPDATE and DELETE on it anyway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select

from api.accounts.routes.auth import account_json
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit, row_of
from layers.accounts import lifecycle as accounts
from layers.accounts.audit import AuditEntry
from layers.accounts.users import Department, Role, User
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["admin"])


class NewUser(BaseModel):
    email: str = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role = Role.staff
    department: str | None = Field(default=None, description="部署コード / department code")
    # Without a password the new colleague gets a link to choose one (the outbox).
    password: str | None = Field(default=None, max_length=1024)


class UserChange(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    department: str | None = None
    is_active: bool | None = None


class NewDepartment(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)


class DepartmentChange(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)


def department_json(d: Department) -> dict[str, Any]:
    return {"id": d.id, "code": d.code, "name": d.name, "name_en": d.name_en}


@router.get(
    "/api/departments",
    summary="部署一覧 / Departments",
    dependencies=[permit(Action.public_read)],
)
def list_departments() -> dict[str, Any]:
    with session_scope() as db:
        rows = db.scalars(select(Department).order_by(Department.code))
        return {"departments": [department_json(d) for d in rows]}


@router.post("/api/admin/departments", status_code=201, summary="部署の追加 / Add department")
def add_department(
    body: NewDepartment, auth: Authorized = permit(Action.department_manage)
) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        if db.scalar(select(Department).where(Department.code == body.code)):
            raise Refused(
                f"部署コード {body.code} は使われています。",
                f"department code {body.code!r} exists",
                status=409,
            )
        dept = Department(code=body.code, name=body.name, name_en=body.name_en)
        db.add(dept)
        db.flush()
        return department_json(dept)


@router.patch("/api/admin/departments/{department_id}", summary="部署の変更 / Edit department")
def edit_department(
    body: DepartmentChange,
    auth: Authorized = permit(
        Action.department_manage, row_of(Department, "department_id", "部署", "department")
    ),
) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        dept = db.get(Department, auth.resource.id)
        assert dept is not None
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(dept, name, value)
        db.flush()
        return department_json(dept)


def admin_user_json(user: User) -> dict[str, Any]:
    return {
        **account_json(user),
        "is_active": user.is_active,
        "created_at": user.created_at.isoformat(),
    }


@router.get("/api/admin/users", summary="アカウント一覧 / Accounts")
def list_users(
    request: Request,
    role: Role | None = None,
    q: str | None = Query(default=None, max_length=100, description="名前・メールの一部"),
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.account_manage),
) -> dict[str, Any]:
    query: Select[tuple[User]] = select(User)
    if role:
        query = query.where(User.role == role)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(User.email.ilike(like) | User.display_name.ilike(like))
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.scalars(query.order_by(User.id).limit(page.limit).offset(page.offset))
        items = [admin_user_json(u) for u in rows]
    return page_body(request, page, items, matched)


@router.post("/api/admin/users", status_code=201, summary="アカウント作成 / Create account")
def create_user(body: NewUser, auth: Authorized = permit(Action.account_manage)) -> dict[str, Any]:
    with session_scope(auth.actor.audit) as db:
        dept = accounts.department_by_code(db, body.department) if body.department else None
        user = accounts.create_user(
            db, body.email, body.display_name, body.password, body.role, dept, verified=True
        )
        if body.password is None:
            accounts.request_password_reset(db, user.email)
        return admin_user_json(user)


@router.patch("/api/admin/users/{user_id}", summary="アカウント変更 / Edit account")
def edit_user(
    body: UserChange,
    auth: Authorized = permit(Action.account_manage, row_of(User, "user_id", "利用者", "user")),
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if auth.resource.id == auth.actor.user_id and (
        changes.get("is_active") is False or changes.get("role", Role.admin) != Role.admin
    ):
        raise Refused(
            "自分自身の管理者権限は外せません。",
            "you cannot remove your own administrator access",
            status=409,
        )
    with session_scope(auth.actor.audit) as db:
        user = db.get(User, auth.resource.id)
        assert user is not None
        if "department" in changes:
            code = changes.pop("department")
            user.department_id = accounts.department_by_code(db, code).id if code else None
        for name, value in changes.items():
            setattr(user, name, value)
        db.flush()  # the staff_department CHECK speaks now, as a 422 below
        if changes.get("is_active") is False or "role" in changes:
            accounts.revoke_access(db, user.id)
        return admin_user_json(user)


@router.get("/api/admin/audit", summary="監査ログ / Audit log (read-only)")
def audit_log(
    request: Request,
    actor_user_id: int | None = None,
    subject_layer: str | None = Query(default=None, max_length=40),
    subject_id: int | None = None,
    action: str | None = Query(default=None, max_length=60),
    since: datetime | None = None,
    until: datetime | None = None,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.audit_read),
) -> dict[str, Any]:
    query: Select[tuple[AuditEntry]] = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor_user_id, actor_user_id),
        (AuditEntry.subject_layer, subject_layer),
        (AuditEntry.subject_id, subject_id),
        (AuditEntry.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    with session_scope() as db:
        matched = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.scalars(
            query.order_by(AuditEntry.id.desc()).limit(page.limit).offset(page.offset)
        )
        items = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor_user_id": e.actor_user_id,
                "action": e.action,
                "subject_layer": e.subject_layer,
                "subject_id": e.subject_id,
                "before": e.before,
                "after": e.after,
                "ip": str(e.ip) if e.ip else None,
            }
            for e in rows
        ]
    return page_body(request, page, items, matched)
