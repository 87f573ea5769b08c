"""Accounts, departments and the outbox: `machimap user …`, `machimap department …` and
`machimap outbox send`."""

from __future__ import annotations

import re
import sys
from typing import Annotated

import typer

from api.cli.common import (
    database,
    department_app,
    fail,
    outbox_app,
    table,
    unit_of_work,
    user_app,
    yes,
)
from layers.accounts.users import Role
from layers.schema import migrate
from layers.store.settings import get_settings


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address, also the sign-in name")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 焼津 花子")],
    role: Annotated[Role, typer.Option(help="役割 / role")],
    department: Annotated[
        str | None, typer.Option(help="Department code (required for staff)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin")
    ] = False,
    invite: Annotated[
        bool,
        typer.Option(
            "--invite", help="No password: e-mail a link to choose one (machimap outbox send)"
        ),
    ] = False,
) -> None:
    """Create an account. Staff and admin accounts count as verified."""
    from layers.accounts import audit
    from layers.accounts import lifecycle as accounts

    if invite and password_stdin:
        fail(
            "--invite と --password-stdin は同時に指定できません。",
            "--invite and --password-stdin cannot be used together",
            code=2,
        )
    password: str | None
    if invite:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # Asked before the transaction opens: a prompt left waiting must not hold locks.
        password = typer.prompt("パスワード / Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        dept = accounts.department_by_code(session, department) if department else None
        # The operator vouches for colleagues' addresses; residents confirm their own.
        user = accounts.create_user(
            session, email, name, password, role, dept, verified=role != Role.resident
        )
        if password is None:
            accounts.request_password_reset(session, user.email)
        audit.record(
            session,
            "cli.user_add",
            subject_layer="user_account",
            subject_id=user.id,
            after={
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role.value,
                "department": dept.code if dept else None,
                "invited": password is None,
            },
        )
        created = (
            f"id={user.id} email={user.email} role={user.role.value} "
            f"department={dept.code if dept else '-'}"
        )
    typer.echo(created)
    if invite:
        typer.echo(
            "パスワード設定のリンクを送信待ちにしました。`machimap outbox send` で送信します。\n"
            "a link to choose a password is queued: `machimap outbox send` delivers it"
        )


@user_app.command("list")
def user_list(
    role: Annotated[Role | None, typer.Option(help="Only this role")] = None,
) -> None:
    """List accounts."""
    from layers.accounts.administration import accounts_with_departments

    with unit_of_work() as session:
        rows = [
            [
                str(user.id),
                user.email,
                user.display_name,
                user.role.value,
                code or "-",
                yes(user.is_active),
                yes(user.email_verified_at is not None),
            ]
            for user, code in accounts_with_departments(session, role)
        ]
    table(["id", "email", "name", "role", "department", "active", "verified"], rows)


@user_app.command("set")
def user_set(
    email: Annotated[str, typer.Argument(help="The account's e-mail address")],
    role: Annotated[Role | None, typer.Option(help="New role / 新しい役割")] = None,
    department: Annotated[
        str | None, typer.Option(help="Department code; '' removes the department")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Allow or stop sign-in")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Change an account. A new role or deactivation signs it out everywhere and revokes its
    API tokens."""
    import psycopg
    from sqlalchemy.exc import IntegrityError

    from layers.accounts import audit
    from layers.accounts import lifecycle as accounts
    from layers.accounts.administration import AccountChange, change_account

    if role is None and department is None and active is None and name is None:
        fail(
            "変更する項目を指定してください（--role, --department, --active/--inactive, --name）。",
            "nothing to change: give --role, --department, --active/--inactive or --name",
            code=2,
        )
    if name is not None and not name.strip():
        fail("表示名を入力してください。", "the display name must not be empty")
    change = AccountChange(name, role, department, active)
    with unit_of_work() as session:
        user = accounts.find_user(session, email)
        if user is None:
            fail(f"アカウント {email} はありません。", f"no account with e-mail {email!r}")
        try:
            after = change_account(session, user, change)
        except IntegrityError as exc:
            if (
                isinstance(exc.orig, psycopg.errors.CheckViolation)
                and exc.orig.diag.constraint_name == "ck_user_account_staff_department"
            ):
                fail(
                    "職員アカウントには部署が必要です（--department で指定してください）。",
                    "a staff account needs a department (give --department)",
                )
            raise
        audit.record(
            session, "cli.user_set", subject_layer="user_account", subject_id=user.id, after=after
        )
        changed = ", ".join(f"{key}={value}" for key, value in after.items())
    typer.echo(f"{user.email}: {changed}")


DEPARTMENT_CODE = re.compile(r"[a-z0-9_\-]{1,40}")


@department_app.command("add")
def department_add(
    code: Annotated[str, typer.Argument(help="Short code: a-z, 0-9, _ and -, e.g. road")],
    name: Annotated[str, typer.Argument(help="Name, e.g. 道路課")],
    name_en: Annotated[str | None, typer.Option(help="English name, e.g. Road Division")] = None,
) -> None:
    """Add a department."""
    from layers.accounts import audit
    from layers.accounts.departments import add_department

    if not DEPARTMENT_CODE.fullmatch(code):
        fail(
            f"部署コード {code} は使えません（英小文字・数字・_・- の40文字以内）。",
            f"department code {code!r} must be 1-40 of a-z, 0-9, _ and -",
        )
    name = name.strip()
    if not name or len(name) > 100 or (name_en is not None and len(name_en) > 100):
        fail("部署名は1〜100文字にしてください。", "a department name takes 1-100 characters")
    with unit_of_work() as session:
        dept = add_department(session, code, name, name_en)
        audit.record(
            session,
            "cli.department_add",
            subject_layer="department",
            subject_id=dept.id,
            after={"code": code, "name": name, "name_en": name_en},
        )
        created = f"id={dept.id} code={code} name={name}"
    typer.echo(created)


@department_app.command("list")
def department_list() -> None:
    """List departments."""
    from layers.accounts.departments import all_departments

    with unit_of_work() as session:
        rows = [[str(d.id), d.code, d.name, d.name_en or "-"] for d in all_departments(session)]
    table(["id", "code", "name", "name_en"], rows)


OUTBOX_BATCH = 100


@outbox_app.command("send")
def outbox_send() -> None:
    """Send the waiting notifications; failures stay queued for the next run."""
    from layers.accounts import outbox

    migrate.upgrade(database())
    outbox.make_log_visible(get_settings().log_level)
    total = outbox.deliver_all(OUTBOX_BATCH)
    typer.echo(f"{total} sent")
