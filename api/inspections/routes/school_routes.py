"""通学路合同点検 (layers/inspections/school_routes/): the list of sites on the map and in the
table, edited by staff of the education and road departments, read by the groups of each
site's school and by anyone once published; out and in as the spreadsheet's CSV, out as
an A4 list with its map.

Two staff editing one site are kept apart by If-Match (the site's version as its ETag; a
stale save is a 412 carrying the current ETag), not last-write-wins: the sheet is shared by
the school, the road department and the police's contact, who each fill their own cells."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.caching import vary_by_caller
from api.downloads import disposition
from api.forms import LongText
from api.params import BodyId, PathId, QueryId
from api.permissions import Authorized, acting, path_parameters, permit
from layers.city.geometry_input import geometry_input
from layers.groups.model import Group
from layers.groups.posters import pdf_of
from layers.inspections.school_routes import printing, sites, spreadsheet
from layers.inspections.school_routes.model import (
    SITE_GEOMETRIES,
    LinkedLayer,
    MeasureStatus,
    Party,
    Reason,
    Timing,
)
from layers.inspections.school_routes.sites import Filters, SiteAccess
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.sql import find_row

router = APIRouter(tags=["school routes"])

IfMatch = Header(
    default=None,
    alias="If-Match",
    description="読み込んだ箇所の ETag / the ETag of the site as loaded",
    max_length=200,
)
Year = Annotated[int, Field(ge=2000, le=2200, description="年度 / fiscal year")]
SiteNumber = Annotated[
    str, Field(min_length=1, max_length=20, pattern=r"^[^\x00-\x1f\x7f]+$", description="箇所番号")
]


# -- loaders ------------------------------------------------------------------------------


@path_parameters(site_id=PathId)
def site_row(db: Session, request: Request) -> SiteAccess:
    return sites.site_access(db, str(request.path_params.get("site_id", "")))


def editors(db: Session, request: Request) -> SiteAccess:
    return sites.editing(db)


@path_parameters(group_id=PathId)
def group_editors(db: Session, request: Request) -> SiteAccess:
    find_row(db, Group, str(request.path_params.get("group_id", "")), "グループ", "group")
    return sites.editing(db)


def _locked(auth: Authorized) -> Any:
    site_id = auth.resource.site.id
    return lambda db: sites.site_access(db, site_id, lock=True)


# -- bodies -------------------------------------------------------------------------------


class MeasureIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"measure": "ガードレール設置", "timing": "short", "status": "planned"}]
        }
    )

    measure: LongText | None = None
    timing: Timing | None = None
    status: MeasureStatus | None = None
    not_done_reason: LongText | None = None


class SiteProperties(BaseModel):
    school_facility_id: BodyId
    fiscal_year: Year
    number: SiteNumber
    address: str | None = Field(default=None, max_length=300)
    reasons: list[Reason] = Field(default_factory=list, max_length=7)
    inspected_on: date | None = None
    is_published: bool = False
    measures: dict[Party, MeasureIn] = Field(default_factory=dict)


class NewSite(BaseModel):
    """A GeoJSON Feature: the site as a point (a crossing) or a line (a stretch of road)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
                    "properties": {
                        "school_facility_id": 1,
                        "fiscal_year": 2026,
                        "number": "1",
                        "address": "焼津市本町二丁目",
                        "reasons": ["speed", "no_sidewalk"],
                        "inspected_on": "2026-07-15",
                    },
                }
            ]
        }
    )

    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: SiteProperties


class SiteChanges(BaseModel):
    school_facility_id: BodyId | None = None
    fiscal_year: Year | None = None
    number: SiteNumber | None = None
    address: str | None = Field(default=None, max_length=300)
    reasons: list[Reason] | None = Field(default=None, max_length=7)
    inspected_on: date | None = None
    is_published: bool | None = None


class SiteChange(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"properties": {"is_published": True}}]}
    )

    geometry: dict[str, Any] | None = None
    properties: SiteChanges = Field(default_factory=SiteChanges)


class NewLink(BaseModel):
    layer: LinkedLayer
    subject_id: BodyId


class GroupSchool(BaseModel):
    school_facility_id: BodyId | None


def _answer(
    body: dict[str, Any], version: int, status: int = 200, *, created: bool = False
) -> JSONResponse:
    headers = {"ETag": f'"{version}"', "Cache-Control": "private, no-cache"}
    if created:
        headers["Location"] = f"/api/school-route-sites/{body['id']}"
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def _filters(
    school: QueryId = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="年度")] = None,
    status: Annotated[MeasureStatus | None, Query(description="対策状況")] = None,
    group: QueryId = None,
) -> Filters:
    return Filters(school, year, status, group)


# -- reading ------------------------------------------------------------------------------


@router.get(
    "/api/school-route-sites",
    summary="通学路合同点検の箇所 / Joint school-route inspection sites (GeoJSON)",
)
def list_sites(
    response: Response,
    school: QueryId = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="年度")] = None,
    status: Annotated[
        MeasureStatus | None, Query(description="いずれかの対策がこの状況 / any measure in")
    ] = None,
    group: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="このグループの学校 / its school")
    ] = None,
    auth: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    vary_by_caller(response, auth.actor)
    with session_scope() as db:
        found = sites.list_sites(db, auth.actor, _filters(school, year, status, group))
    collection: dict[str, Any] = jsonable_encoder({"type": "FeatureCollection", "features": found})
    return collection


@router.get("/api/school-route-schools", summary="学校の一覧 / Schools and their site counts")
def list_schools(auth: Authorized = permit(Action.public_read)) -> dict[str, Any]:
    with session_scope() as db:
        return {"schools": sites.schools(db)}


@router.get(
    "/api/school-route-sites.csv",
    summary="通学路交通安全対策箇所一覧表（CSV） / The list as the spreadsheet's CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 with BOM"}},
)
def export_csv(
    school: QueryId = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="年度")] = None,
    status: Annotated[MeasureStatus | None, Query(description="対策状況")] = None,
    group: QueryId = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    with session_scope() as db:
        found = sites.list_sites(db, auth.actor, _filters(school, year, status, group))
    response = Response(
        spreadsheet.csv_text(found).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": disposition(
                "school-route-sites.csv", "通学路交通安全対策箇所一覧表.csv"
            )
        },
    )
    vary_by_caller(response, auth.actor)
    return response


@router.get(
    "/api/school-route-sites.pdf",
    summary="印刷用の一覧と地図（A4 PDF） / The list with its map, to print",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A4 landscape"}},
)
def print_list(
    school: QueryId = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="年度")] = None,
    status: Annotated[MeasureStatus | None, Query(description="対策状況")] = None,
    group: QueryId = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    # A plain def: the layout's seconds run in the thread pool, with no connection held.
    with session_scope() as db:
        found = sites.list_sites(db, auth.actor, _filters(school, year, status, group))
        document = printing.list_html(db, found, "")
    response = Response(
        pdf_of(document),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition("school-route-sites.pdf", inline=True)},
    )
    vary_by_caller(response, auth.actor)
    return response


@router.get("/api/school-route-sites/{site_id}", summary="箇所 / A site (with its ETag)")
def get_site(auth: Authorized = permit(Action.school_route_read, site_row)) -> JSONResponse:
    found: SiteAccess = auth.resource
    assert found.site is not None
    with session_scope() as db:
        body = sites.site_json(db, found.site.id, auth.actor)
    answer = _answer(body, found.site.version)
    answer.headers["Vary"] = "Cookie, Authorization"
    return answer


# -- changing -----------------------------------------------------------------------------


@router.post("/api/school-route-sites", status_code=201, summary="箇所の追加 / Add a site")
def add_site(
    body: NewSite, auth: Authorized = permit(Action.school_route_edit, editors)
) -> JSONResponse:
    geom = geometry_input(body.geometry, SITE_GEOMETRIES)
    p = body.properties
    with acting(auth, sites.editing) as (db, _):
        site = sites.create_site(
            db,
            sites.SiteValues(
                school_facility_id=p.school_facility_id,
                fiscal_year=p.fiscal_year,
                number=p.number,
                geom=geom,
                address=p.address,
                reasons=p.reasons,
                inspected_on=p.inspected_on,
                is_published=p.is_published,
            ),
        )
        for party, measure in p.measures.items():
            sites.set_measure(db, site, party, measure.model_dump())
        return _answer(sites.site_json(db, site.id, auth.actor), site.version, 201, created=True)


@router.post(
    "/api/school-route-sites.csv",
    summary="CSV の取り込み（同じ学校・年度・箇所番号は更新） / Import the spreadsheet's CSV",
    responses={422: {"description": "取り込めない行（行番号つき） / rows refused, by line"}},
)
def import_csv(
    file: Annotated[UploadFile, File(description="通学路交通安全対策箇所一覧表（CSV）")],
    year: Annotated[
        int | None, Form(ge=2000, le=2200, description="年度の列がないときの年度")
    ] = None,
    auth: Authorized = permit(Action.school_route_edit, editors),
) -> dict[str, Any]:
    data = file.file.read()
    with acting(auth, sites.editing) as (db, _):
        return spreadsheet.import_csv(db, data, year).as_dict()


@router.patch(
    "/api/school-route-sites/{site_id}",
    summary="箇所の変更 / Change a site (If-Match required)",
    responses={412: {"description": "ほかの人が先に変更 / changed by someone else first"}},
)
def edit_site(
    body: SiteChange,
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.school_route_edit, site_row),
) -> JSONResponse:
    geom = geometry_input(body.geometry, SITE_GEOMETRIES) if body.geometry else None
    changes = body.properties.model_dump(exclude_unset=True)
    for name in ("school_facility_id", "fiscal_year", "number", "is_published"):
        if changes.get(name, True) is None:
            changes.pop(name)  # these always have a value: null leaves them as they are
    with acting(auth, _locked(auth)) as (db, found):
        assert found.site is not None
        sites.check_version(found.site, if_match, required=True)
        site = sites.edit_site(db, found.site, changes, geom)
        return _answer(sites.site_json(db, site.id, auth.actor), site.version)


@router.put(
    "/api/school-route-sites/{site_id}/measures/{party}",
    summary="対策の記録（学校・教育委員会 / 道路管理者 / 警察） / One body's measure",
)
def set_measure(
    party: Party,
    body: MeasureIn,
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.school_route_edit, site_row),
) -> JSONResponse:
    with acting(auth, _locked(auth)) as (db, found):
        assert found.site is not None
        sites.check_version(found.site, if_match, required=True)
        sites.set_measure(db, found.site, party, body.model_dump())
        return _answer(sites.site_json(db, found.site.id, auth.actor), found.site.version)


@router.post(
    "/api/school-route-sites/{site_id}/links",
    status_code=201,
    summary="危険箇所・通報・巡回の記録とつなぐ / Link a hazard, report or observation",
)
def add_link(
    body: NewLink, auth: Authorized = permit(Action.school_route_edit, site_row)
) -> JSONResponse:
    with acting(auth, _locked(auth)) as (db, found):
        assert found.site is not None
        sites.add_link(db, found.site, body.layer, body.subject_id)
        return _answer(sites.site_json(db, found.site.id, auth.actor), found.site.version, 201)


@router.delete(
    "/api/school-route-sites/{site_id}/links/{link_id}",
    status_code=204,
    summary="つながりを外す / Remove a link",
)
def remove_link(
    link_id: PathId, auth: Authorized = permit(Action.school_route_edit, site_row)
) -> None:
    with acting(auth, _locked(auth)) as (db, found):
        assert found.site is not None
        sites.remove_link(db, found.site, link_id)


@router.put(
    "/api/groups/{group_id}/school",
    summary="グループの学校（通学路合同点検の箇所を見られる） / The group's school",
)
def set_group_school(
    group_id: PathId,
    body: GroupSchool,
    auth: Authorized = permit(Action.school_route_edit, group_editors),
) -> dict[str, Any]:
    with acting(auth, sites.editing) as (db, _):
        sites.set_group_school(db, group_id, body.school_facility_id)
    return {"group_id": group_id, "school_facility_id": body.school_facility_id}


# Last: the authorization matrix calls routes in this order, and the site is gone after it.
@router.delete(
    "/api/school-route-sites/{site_id}", status_code=204, summary="箇所の削除 / Delete a site"
)
def delete_site(
    if_match: str | None = IfMatch,
    auth: Authorized = permit(Action.school_route_edit, site_row),
) -> None:
    with acting(auth, _locked(auth)) as (db, found):
        assert found.site is not None
        sites.check_version(found.site, if_match, required=False)
        sites.delete_site(db, found.site)
