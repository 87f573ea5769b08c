"""The report category catalogue (通報の種類): kept as data, so a city adds or changes a
category (its names, icon, the department it routes to, whether it is sensitive) without a
release. Anyone reads it; administrators change it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.forms import json_or_form
from api.permissions import Authorized, permit
from layers.accounts import lifecycle as accounts
from layers.city.hazards import HazardKind
from layers.policy import Action
from layers.reports.model import (
    CONTACT_EMAIL_MAX,
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    HAZARD_TITLE_MAX,
    OPEN_STATUSES,
    PUBLIC_ID_MAX,
    REOPENABLE_STATUSES,
    RESPONSIBLE_PARTY_MAX,
    STATUS_LABELS,
    ReportCategory,
    ReportStatus,
)
from layers.store.base import TEXT_MAX
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.settings import get_settings

router = APIRouter(tags=["reports"])

JSON = "application/json"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

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


@router.get("/api/report-categories", summary="通報の種類 / Report categories")
def categories(
    include_inactive: bool = False, _: Authorized = permit(Action.public_read)
) -> Response:
    """Sensitive categories (about people or private property) are never shown as points:
    the public sees them only as counts per area (/api/reports/areas)."""
    with session_scope() as db:
        return Response(
            db.execute(CATEGORIES, {"all": include_inactive}).scalar_one(), media_type=JSON
        )


@router.get(
    "/api/reports/vocabulary",
    summary="通報の状態・上限など / Report statuses, hazard kinds and limits",
)
def vocabulary(_: Authorized = permit(Action.public_read)) -> dict[str, Any]:
    """What the report pages need to know as the server enforces it: every status (open or
    closed, with its name), the kinds a hazard made from a report can have, and the photo
    and text limits. The pages read these instead of keeping their own copies."""
    settings = get_settings()
    return {
        "statuses": [
            {
                "code": status.value,
                "open": status in OPEN_STATUSES,
                "reopenable": status in REOPENABLE_STATUSES,
                "name_ja": STATUS_LABELS[status][0],
                "name_en": STATUS_LABELS[status][1],
            }
            for status in ReportStatus
        ],
        "hazard_kinds": [kind.value for kind in HazardKind],
        "limits": {
            "photos": settings.photo_max_count,
            "photo_bytes": settings.photo_max_bytes,
            "photo_pixels": settings.photo_max_pixels,
            "text": TEXT_MAX,
            "contact_name": CONTACT_NAME_MAX,
            "contact_email": CONTACT_EMAIL_MAX,
            "contact_phone": CONTACT_PHONE_MAX,
            "responsible_party": RESPONSIBLE_PARTY_MAX,
            "public_id": PUBLIC_ID_MAX,
            "hazard_title": HAZARD_TITLE_MAX,
        },
    }


class CategoryFields(BaseModel):
    name_ja: Name | None = None
    name_en: Name | None = None
    icon: str | None = Field(default=None, pattern=r"^[a-z0-9_-]{1,40}$")
    department: str | None = Field(default=None, description="部署コード / department code")
    sensitive: bool | None = None
    active: bool | None = None
    sort_order: int | None = Field(default=None, ge=0, le=10_000)


class NewCategory(CategoryFields):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name_ja: Name
    name_en: Name
    icon: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")


def _apply(db: Session, category: ReportCategory, body: CategoryFields) -> None:
    changes = body.model_dump(exclude_unset=True, exclude={"code"})
    if "department" in changes:
        code = changes.pop("department")
        category.department_id = accounts.department_by_code(db, code).id if code else None
    for name, value in changes.items():
        if value is None:
            raise Refused(f"{name} を空にはできません。", f"{name} cannot be null", status=400)
        setattr(category, name, value)


def _answer(db: Session, code: str, status: int = 200) -> Response:
    db.flush()
    return Response(db.execute(CATEGORY, {"code": code}).scalar_one(), status, media_type=JSON)


@router.post(
    "/api/admin/report-categories", status_code=201, summary="通報の種類を追加 / Add a category"
)
async def add_category(
    request: Request, auth: Authorized = permit(Action.settings_manage)
) -> Response:
    body = await json_or_form(request, NewCategory)
    with session_scope(auth.actor.audit) as db:
        if db.scalar(select(ReportCategory).where(ReportCategory.code == body.code)):
            raise Refused(
                f"通報の種類「{body.code}」は既にあります。",
                f"report category {body.code!r} exists",
                status=409,
            )
        category = ReportCategory(code=body.code, name_ja=body.name_ja, name_en=body.name_en)
        _apply(db, category, body)
        db.add(category)
        return _answer(db, body.code, 201)


@router.patch("/api/admin/report-categories/{code}", summary="通報の種類を変更 / Change a category")
async def change_category(
    code: str, request: Request, auth: Authorized = permit(Action.settings_manage)
) -> Response:
    """Retire a category with ``active: false`` (its reports keep it); making a category
    sensitive withdraws its reports' points from every public layer at once."""
    body = await json_or_form(request, CategoryFields)
    with session_scope(auth.actor.audit) as db:
        category = db.scalar(select(ReportCategory).where(ReportCategory.code == code))
        if category is None:
            raise Refused(
                f"通報の種類「{code}」はありません。", f"no report category {code!r}", status=404
            )
        _apply(db, category, body)
        return _answer(db, code)
