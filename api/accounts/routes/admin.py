"""Administration: accounts, departments and the audit log (`/api/admin`), plus the public
list of departments (`/api/departments`). The audit log is read-only here: there is no route
that changes it, and the database refuses UPDATE and DELETE on it anyway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.accounts.documents import admin_user_json
from api.pagination import Page, page_body, page_params
from api.params import QueryId
from api.permissions import Authorized, acting, permit, row_of
from layers.accounts import administration, departments
from layers.accounts import lifecycle as accounts
from layers.accounts.audit import AuditFilter, entries
from layers.accounts.users import Department, Role, User
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.sql import find_row

router = APIRouter(tags=["admin"])


class NewUser(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "tanaka@example.jp",
                    "display_name": "田中 一郎",
                    "role": "staff",
                    "department": "road",
                }
            ]
        }
    )

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


@router.get(
    "/api/departments",
    summary="部署一覧 / Departments",
    dependencies=[permit(Action.public_read)],
)
def list_departments() -> dict[str, Any]:
    with session_scope() as db:
        listed = departments.all_departments(db)
        return {"departments": [departments.department_json(d) for d in listed]}


@router.post("/api/admin/departments", status_code=201, summary="部署の追加 / Add department")
def add_department(
    body: NewDepartment, auth: Authorized = permit(Action.department_manage)
) -> dict[str, Any]:
    with acting(auth, lambda db: None) as (db, _):
        added = departments.add_department(db, body.code, body.name, body.name_en)
        return departments.department_json(added)


@router.patch("/api/admin/departments/{department_id}", summary="部署の変更 / Edit department")
def edit_department(
    body: DepartmentChange,
    auth: Authorized = permit(
        Action.department_manage, row_of(Department, "department_id", "部署", "department")
    ),
) -> dict[str, Any]:
    department_id = auth.resource.id
    with acting(
        auth, lambda db: find_row(db, Department, department_id, "部署", "department", lock=True)
    ) as (db, department):
        changed = departments.change_department(db, department, body.model_dump(exclude_unset=True))
        return departments.department_json(changed)


@router.get("/api/admin/users", summary="アカウント一覧 / Accounts")
def list_users(
    request: Request,
    role: Role | None = None,
    q: str | None = Query(default=None, max_length=100, description="名前・メールの一部"),
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.account_manage),
) -> dict[str, Any]:
    with session_scope() as db:
        found = administration.find_accounts(db, role, q, page.limit, page.offset)
        items = [admin_user_json(u) for u in found.items]
    return page_body(request, page, items, found.matched)


@router.post("/api/admin/users", status_code=201, summary="アカウント作成 / Create account")
def create_user(body: NewUser, auth: Authorized = permit(Action.account_manage)) -> dict[str, Any]:
    with acting(auth, lambda db: None) as (db, _):
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
    user_id = auth.resource.id
    change = administration.AccountChange(
        display_name=changes.get("display_name"),
        role=changes.get("role"),
        # null removes the department; '' is how the change says so
        department=(changes["department"] or "") if "department" in changes else None,
        is_active=changes.get("is_active"),
    )
    with acting(auth, lambda db: find_row(db, User, user_id, "利用者", "user", lock=True)) as (
        db,
        user,
    ):
        administration.change_account(db, user, change)  # the CHECK on staff speaks as a 422
        return admin_user_json(user)


@router.get("/api/admin/audit", summary="監査ログ / Audit log (read-only)")
def audit_log(
    request: Request,
    actor_user_id: QueryId = None,
    subject_layer: str | None = Query(default=None, max_length=40),
    subject_id: QueryId = None,
    action: str | None = Query(default=None, max_length=60),
    since: datetime | None = None,
    until: datetime | None = None,
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.audit_read),
) -> dict[str, Any]:
    wanted = AuditFilter(actor_user_id, subject_layer, subject_id, action, since, until)
    with session_scope() as db:
        found = entries(db, wanted, page.limit, page.offset)
    return page_body(request, page, found.items, found.matched)
