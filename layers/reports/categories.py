"""The report category catalogue (通報の種類): kept as data, so a city adds or changes a
category (its names, icon, the department it routes to, whether it is sensitive) without a
release. The answers are built as JSON by PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.accounts.lifecycle import department_by_code
from layers.reports.model import ReportCategory
from layers.store.refusals import Refused

ONE = """json_build_object(
    'id', c.id, 'code', c.code, 'name_ja', c.name_ja, 'name_en', c.name_en, 'icon', c.icon,
    'sensitive', c.sensitive, 'active', c.active, 'sort_order', c.sort_order,
    'department', (SELECT json_build_object('code', d.code, 'name', d.name,
        'name_en', d.name_en) FROM department d WHERE d.id = c.department_id))"""
CATEGORIES = text(
    f"""SELECT coalesce(json_agg({ONE} ORDER BY c.sort_order, c.code), '[]'::json)::text
    FROM report_category c WHERE c.active OR :all"""
)
CATEGORY = text(f"SELECT {ONE}::text FROM report_category c WHERE c.code = :code")


def categories_json(session: Session, include_inactive: bool) -> str:
    body: str = session.execute(CATEGORIES, {"all": include_inactive}).scalar_one()
    return body


def category_json(session: Session, code: str) -> str:
    session.flush()
    body: str = session.execute(CATEGORY, {"code": code}).scalar_one()
    return body


def _apply(session: Session, category: ReportCategory, changes: dict[str, Any]) -> None:
    """Set what was sent; ``department`` is a department code ('' or None: no routing)."""
    if "department" in changes:
        code = changes.pop("department")
        category.department_id = department_by_code(session, code).id if code else None
    for name, value in changes.items():
        if value is None:
            raise Refused(f"{name} を空にはできません。", f"{name} cannot be null", status=400)
        setattr(category, name, value)


def add_category(session: Session, code: str, fields: dict[str, Any]) -> str:
    if session.scalar(select(ReportCategory).where(ReportCategory.code == code)):
        raise Refused(
            f"通報の種類「{code}」は既にあります。",
            f"report category {code!r} exists",
            status=409,
        )
    category = ReportCategory(code=code, name_ja=fields["name_ja"], name_en=fields["name_en"])
    _apply(session, category, fields)
    session.add(category)
    return category_json(session, code)


def locked_category(session: Session, code: str) -> ReportCategory:
    category = session.scalar(
        select(ReportCategory).where(ReportCategory.code == code).with_for_update()
    )
    if category is None:
        raise Refused(
            f"通報の種類「{code}」はありません。", f"no report category {code!r}", status=404
        )
    return category


def change_category(session: Session, category: ReportCategory, changes: dict[str, Any]) -> str:
    """Retire a category with ``active: false`` (its reports keep it); making a category
    sensitive withdraws its reports' points from every public layer at once."""
    _apply(session, category, changes)
    return category_json(session, category.code)
