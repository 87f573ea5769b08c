"""Inspection kinds (layers/inspections/kinds.py): staff read them, administrators add the
city's own and change them. Registered before the inspections router, whose
/api/inspections/{inspection_id} would otherwise take /api/inspections/kinds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.params import BodyId
from api.permissions import Authorized, acting, permit
from layers.inspections import kinds
from layers.inspections.model import Grading
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["inspections"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]
KindCode = Annotated[
    str,
    Path(
        description="点検の種類のコード / kind code",
        json_schema_extra={"pattern": "^[a-z][a-z0-9_]{0,39}$"},
        max_length=40,
    ),
]


class PartIn(BaseModel):
    code: Code
    ja: Name
    en: Name


class KindChange(BaseModel):
    """Any of these; the code never changes (inspections name their kind by it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"interval_months": 24, "active": True}]},
    )

    name_ja: Name | None = None
    name_en: Name | None = None
    interval_months: int | None = Field(default=None, description="1-240; null: never due")
    subject_layer: str | None = Field(default=None, max_length=40)
    subject_kinds: list[Code] | None = Field(default=None, max_length=50)
    parts: list[PartIn] | None = Field(default=None, max_length=50)
    grading: Grading | None = None
    legal_basis: str | None = Field(default=None, max_length=300)
    department_id: BodyId | None = None
    active: bool | None = None


class NewKind(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "bridge",
                    "name_ja": "橋りょう定期点検",
                    "name_en": "Bridge inspection",
                    "interval_months": 60,
                    "subject_layer": "hazard",
                    "grading": "overall",
                }
            ]
        },
    )

    code: Code
    name_ja: Name
    name_en: Name
    interval_months: int | None = Field(default=None, description="1-240; null: never due")
    subject_layer: str | None = Field(default=None, max_length=40)
    subject_kinds: list[Code] = Field(default_factory=list, max_length=50)
    parts: list[PartIn] = Field(default_factory=list, max_length=50)
    grading: Grading = Grading.overall
    legal_basis: str = Field(default="", max_length=300)
    department_id: BodyId | None = None
    active: bool = True


# Fields that always have a value: null in a PATCH leaves them as they are.
_NOT_NULL = ("name_ja", "name_en", "subject_kinds", "parts", "grading", "legal_basis", "active")


@router.get("/api/inspections/kinds", summary="点検の種類 / Inspection kinds")
def list_kinds(auth: Authorized = permit(Action.inspection_read)) -> dict[str, Any]:
    with session_scope() as db:
        return {"kinds": kinds.list_kinds(db)}


@router.post(
    "/api/inspections/kinds", status_code=201, summary="点検の種類の追加 / Add an inspection kind"
)
def add_kind(
    body: NewKind, auth: Authorized = permit(Action.inspection_kind_manage)
) -> dict[str, Any]:
    with acting(auth, lambda db: None) as (db, _):
        return kinds.kind_json(kinds.create_kind(db, body.model_dump()))


@router.patch(
    "/api/inspections/kinds/{kind_code}",
    summary="点検の種類の変更 / Change an inspection kind",
)
def change_kind(
    kind_code: KindCode,
    body: KindChange,
    auth: Authorized = permit(Action.inspection_kind_manage),
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            changes.pop(name)
    with acting(auth, lambda db: None) as (db, _):
        kind = kinds.find_kind(db, kind_code, lock=True)
        if kind is None:
            raise Refused(
                f"点検の種類「{kind_code}」はありません。",
                f"no inspection kind '{kind_code}'",
                status=404,
            )
        return kinds.kind_json(kinds.change_kind(db, kind, changes))
