"""The city's departments (部署): reports route to them and staff belong to one. Added and
renamed by administrators, from the API and the command line alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.accounts.users import Department
from layers.store.refusals import Refused


def department_json(d: Department) -> dict[str, Any]:
    return {"id": d.id, "code": d.code, "name": d.name, "name_en": d.name_en}


def all_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def add_department(session: Session, code: str, name: str, name_en: str | None) -> Department:
    if session.scalar(select(Department).where(Department.code == code)):
        raise Refused(
            f"部署コード {code} は使われています。",
            f"department code {code!r} exists",
            status=409,
        )
    department = Department(code=code, name=name, name_en=name_en)
    session.add(department)
    session.flush()
    return department


def change_department(
    session: Session, department: Department, changes: dict[str, Any]
) -> Department:
    for name, value in changes.items():
        setattr(department, name, value)
    session.flush()
    return department
