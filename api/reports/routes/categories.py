"""The report category catalogue (通報の種類) and the vocabulary of the report forms:
anyone reads them; administrators change the catalogue (layers/reports/categories.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from api.caching import revalidated, revalidated_json
from api.forms import json_or_form
from api.openapi import body
from api.permissions import Authorized, acting, permit
from layers.policy import Action
from layers.reports import categories as catalogue
from layers.reports.vocabulary import vocabulary as report_vocabulary
from layers.store.db import session_scope

router = APIRouter(tags=["reports"])

JSON = "application/json"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


@router.get("/api/report-categories", summary="通報の種類 / Report categories")
def categories(
    request: Request, include_inactive: bool = False, _: Authorized = permit(Action.public_read)
) -> Response:
    """Sensitive categories (about people or private property) are never shown as points:
    the public sees them only as counts per area (/api/reports/areas)."""
    with session_scope() as db:
        body = catalogue.categories_json(db, include_inactive)
    return revalidated(request, body.encode(), JSON)


@router.get(
    "/api/reports/vocabulary",
    summary="通報の状態・上限など / Report statuses, hazard kinds and limits",
)
def vocabulary(request: Request, _: Authorized = permit(Action.public_read)) -> Response:
    """What the report pages need to know as the server enforces it: every status (open or
    closed, with its name), the kinds a hazard made from a report can have, and the photo
    and text limits. The pages read these instead of keeping their own copies."""
    return revalidated_json(request, report_vocabulary())


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


@router.post(
    "/api/admin/report-categories",
    status_code=201,
    summary="通報の種類を追加 / Add a category",
    openapi_extra=body(NewCategory),
)
async def add_category(
    request: Request, auth: Authorized = permit(Action.settings_manage)
) -> Response:
    body = await json_or_form(request, NewCategory)
    fields = body.model_dump(exclude_unset=True, exclude={"code"})
    with acting(auth, lambda db: None) as (db, _):
        return Response(catalogue.add_category(db, body.code, fields), 201, media_type=JSON)


@router.patch(
    "/api/admin/report-categories/{code}",
    summary="通報の種類を変更 / Change a category",
    openapi_extra=body(CategoryFields),
)
async def change_category(
    code: str, request: Request, auth: Authorized = permit(Action.settings_manage)
) -> Response:
    """Retire a category with ``active: false`` (its reports keep it); making a category
    sensitive withdraws its reports' points from every public layer at once."""
    body = await json_or_form(request, CategoryFields)
    changes = body.model_dump(exclude_unset=True)
    with acting(auth, lambda db: catalogue.locked_category(db, code)) as (db, category):
        return Response(catalogue.change_category(db, category, changes), media_type=JSON)
