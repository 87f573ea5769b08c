"""The facility register (layers/city/register.py): staff list the buildings with filters, as
JSON pages or one CSV, open a building's card, and add, change and remove buildings.

A change sends the version it loaded (If-Match; 428 without, 412 when someone saved first)
and runs in a session carrying the caller, so the audit log records who changed what."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.caching import vary_by_caller
from api.pagination import Page, page_body, page_params
from api.params import QueryId
from api.permissions import Authorized, acting, permit, row_of
from layers.city import register
from layers.city.buildings import FacilityBuilding
from layers.city.facilities import FacilityKind
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(tags=["register"])

building_row = row_of(FacilityBuilding, "building_id", "棟", "building")

IfMatch = Header(
    default=None,
    alias="If-Match",
    description="読み込んだ棟の ETag / the ETag of the building as loaded",
    max_length=200,
)
Year = Annotated[int | None, Query(ge=1850, le=2100, description="年度 / fiscal year")]
Age = Annotated[int | None, Query(ge=0, le=300, description="経過年数（年度） / age in years")]
Seismic = Literal["pre_1981", "post_1981", "retrofitted", "unknown"]
Grade = Literal["A", "B", "C", "D"]
Sort = Literal[
    "facility",
    "-facility",
    "built_year",
    "-built_year",
    "floor_area",
    "-floor_area",
    "grade",
    "next_due",
    "district",
]

_BUILDING_EXAMPLE = {
    "facility_id": 1,
    "name": "本館",
    "built_year": 1978,
    "floor_area_m2": 812.5,
    "structure": "rc",
    "storeys": 2,
    "seismic_standard": "pre_1981",
    "cost_category": "civic_culture",
    "owner": "city",
    "in_use": True,
}
BuildingBody = Annotated[
    Any,
    Body(
        description=(
            "棟の列（facility_id と name は必須）。誤りは 422 で項目ごとに示します / "
            "the building's columns (facility_id and name required); mistakes are a 422 "
            "naming each field"
        ),
        openapi_examples={"building": {"summary": "本館", "value": _BUILDING_EXAMPLE}},
    ),
]
ChangesBody = Annotated[
    Any,
    Body(
        description="変える列だけ / only the columns to change; null clears one",
        openapi_examples={"area": {"summary": "延床面積の訂正", "value": {"floor_area_m2": 830}}},
    ),
]


def _filters(
    kind: Annotated[list[FacilityKind] | None, Query(description="施設種別 / kind")] = None,
    district: QueryId = None,
    built_before: Year = None,
    built_from: Year = None,
    min_age: Age = None,
    max_age: Age = None,
    seismic: Annotated[list[Seismic] | None, Query(description="耐震基準")] = None,
    grade: Annotated[
        list[Grade] | None, Query(description="最新の12条点検の判定 / latest 12条 grade")
    ] = None,
    in_use: Annotated[bool | None, Query(description="使用中 / in use")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="施設名・棟名 / name")
    ] = None,
) -> register.Filters:
    return register.Filters(
        kinds=tuple(k.value for k in kind or ()),
        district=district,
        built_before=built_before,
        built_from=built_from,
        min_age=min_age,
        max_age=max_age,
        seismic=tuple(seismic or ()),
        grades=tuple(grade or ()),
        in_use=in_use,
        q=q.strip() or None if q else None,
    )


def _card(body: dict[str, Any], status: int = 200, *, created: bool = False) -> JSONResponse:
    version = body["building"]["version"]
    headers = {"ETag": f'"{version}"', "Cache-Control": "private, no-cache"}
    if created:
        headers["Location"] = f"/api/register/buildings/{body['building']['id']}"
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


@router.get(
    "/api/register",
    summary="施設台帳（棟ごと） / The facility register, one row per building",
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "JSON の一覧、または f=csv で UTF-8（BOM 付き）の CSV",
        }
    },
)
def list_register(
    request: Request,
    filters: Annotated[register.Filters, Depends(_filters)],
    page: Annotated[Page, Depends(page_params)],
    sort: Annotated[Sort, Query(description="並び順 / order")] = "facility",
    f: Annotated[Literal["json", "csv"], Query(description="形式 / format")] = "json",
    auth: Authorized = permit(Action.register_read),
) -> Response:
    with session_scope() as db:
        if f == "csv":
            found = register.list_buildings(db, filters, sort=sort)
        else:
            found = register.list_buildings(
                db, filters, sort=sort, limit=page.limit, offset=page.offset
            )
    response: Response
    if f == "csv":
        name = quote("施設台帳.csv", safe="")
        response = Response(
            register.csv_text(found.items).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"register.csv\"; filename*=UTF-8''{name}"
                )
            },
        )
    else:
        body = page_body(request, page, found.items, found.matched, key="buildings")
        body["matched"] = found.matched
        body["fiscal_year"] = found.fiscal_year
        response = JSONResponse(jsonable_encoder(body))
    vary_by_caller(response, auth.actor)
    return response


@router.get(
    "/api/register/buildings/{building_id}",
    summary="棟のカード（点検と写真） / A building's card with its inspections and photos",
)
def get_building(
    auth: Authorized = permit(Action.register_read, building_row),
) -> JSONResponse:
    building: FacilityBuilding = auth.resource
    with session_scope() as db:
        body = register.card(db, building.id)
    answer = _card(body)
    answer.headers["Vary"] = "Cookie, Authorization"
    return answer


@router.post("/api/register/buildings", status_code=201, summary="棟の追加 / Add a building")
def add_building(
    body: BuildingBody, auth: Authorized = permit(Action.register_edit)
) -> JSONResponse:
    with acting(auth, lambda db: None) as (db, _):
        building = register.create_building(db, body)
        return _card(register.card(db, building.id), 201, created=True)


@router.patch(
    "/api/register/buildings/{building_id}",
    summary="棟の変更（If-Match 必須） / Change a building (If-Match required)",
    responses={
        412: {"description": "ほかの人が先に変更 / changed by someone else first"},
        428: {"description": "If-Match がない / If-Match missing"},
    },
)
def edit_building(
    body: ChangesBody,
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.register_edit, building_row),
) -> JSONResponse:
    building_id = auth.resource.id
    with acting(auth, lambda db: register.locked(db, building_id)) as (db, building):
        register.check_version(building, if_match)
        register.update_building(db, building, body)
        return _card(register.card(db, building.id))


@router.delete(
    "/api/register/buildings/{building_id}",
    status_code=204,
    summary="棟の削除（誤登録） / Delete a building recorded by mistake (If-Match required)",
)
def delete_building(
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.register_edit, building_row),
) -> None:
    building_id = auth.resource.id
    with acting(auth, lambda db: register.locked(db, building_id)) as (db, building):
        register.check_version(building, if_match)
        register.delete_building(db, building)
