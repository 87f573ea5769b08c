"""Where hazards and reports cluster (layers/planning/hotspots.py): 250 m cells and
clusters as GeoJSON for the staff map. Staff only (Action.facility_plan): unpublished
reports count here, though never with their reporters' contacts."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.caching import PRIVATE_NO_STORE
from api.media import GEOJSON
from api.permissions import Authorized, permit
from layers.city.hazards import HazardKind
from layers.planning import hotspots
from layers.policy import Action
from layers.reports.model import ReportCategory
from layers.store.db import session_scope
from layers.store.refusals import ParameterRefused
from layers.store.settings import get_settings

router = APIRouter(tags=["planning"])

OBJECT: dict[str, Any] = {"content": {GEOJSON: {"schema": {"type": "object"}}}}
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Start = Annotated[date | None, Query(description="開始日（市の日付、含む） / from (city date)")]
End = Annotated[date | None, Query(description="終了日（含む） / to (inclusive)")]
Kinds = Annotated[
    list[str] | None,
    Query(max_length=20, description="危険箇所の種別（複数可） / hazard kinds"),
]
Categories = Annotated[
    list[str] | None,
    Query(max_length=50, description="通報の分類コード（複数可） / report categories"),
]
Sources = Annotated[
    list[str] | None,
    Query(max_length=2, description="hazards, reports（既定は両方 / default both）"),
]


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value[:1000].split(",") if v.strip()]


def _filters(
    start: date | None,
    end: date | None,
    hazard_kind: list[str] | None,
    category: list[str] | None,
    source: list[str] | None,
) -> hotspots.Filters:
    if start and end and start > end:
        raise ParameterRefused(
            "end", "終了日は開始日より後にしてください。", "end must not be before start"
        )
    kinds = _split(hazard_kind)
    known = {k.value for k in HazardKind}
    for kind in kinds:
        if kind not in known:
            raise ParameterRefused(
                "hazard_kind",
                f"危険箇所の種別「{kind[:40]}」はありません。",
                f"unknown hazard kind '{kind[:40]}'; known: {', '.join(sorted(known))}",
            )
    categories = _split(category)
    if categories:
        with session_scope() as db:
            found = set(db.scalars(select(ReportCategory.code)))
        for code in categories:
            if not _CODE.fullmatch(code) or code not in found:
                raise ParameterRefused(
                    "category",
                    f"通報の分類「{code[:40]}」はありません。",
                    f"unknown report category '{code[:40]}'",
                )
    sources = _split(source) or list(hotspots.SOURCES)
    for name in sources:
        if name not in hotspots.SOURCES:
            raise ParameterRefused(
                "source",
                "source は hazards か reports にしてください。",
                "source must be hazards or reports",
            )
    return hotspots.Filters(
        start,
        end,
        tuple(kinds),
        tuple(categories),
        tuple(cast(hotspots.Source, s) for s in dict.fromkeys(sources)),
    )


def _geojson(body: dict[str, Any]) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type=GEOJSON,
        headers=PRIVATE_NO_STORE,
    )


@router.get(
    "/api/planning/hotspots/cells",
    summary="危険箇所・通報の密度（250 m 区画） / Hazard and report density per cell",
    response_class=Response,
    responses={200: OBJECT},
)
def hotspot_cells(
    start: Start = None,
    end: End = None,
    hazard_kind: Kinds = None,
    category: Categories = None,
    source: Sources = None,
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    filters = _filters(start, end, hazard_kind, category, source)
    settings = get_settings()
    with session_scope() as db:
        body = hotspots.cells(
            db, filters, cell_m=settings.planning_hotspot_cell_m, tz=settings.city_time_zone
        )
    return _geojson(body)


@router.get(
    "/api/planning/hotspots/clusters",
    summary="危険箇所・通報の集積（DBSCAN） / Hazard and report clusters",
    response_class=Response,
    responses={200: OBJECT},
)
def hotspot_clusters(
    start: Start = None,
    end: End = None,
    hazard_kind: Kinds = None,
    category: Categories = None,
    source: Sources = None,
    eps_m: Annotated[
        float | None, Query(gt=0, le=5000, description="近さ（m） / eps in metres")
    ] = None,
    min_points: Annotated[
        int | None, Query(ge=1, le=1000, description="最少件数 / minimum points")
    ] = None,
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    filters = _filters(start, end, hazard_kind, category, source)
    settings = get_settings()
    with session_scope() as db:
        body = hotspots.clusters(
            db,
            filters,
            eps_m=eps_m if eps_m is not None else settings.planning_hotspot_eps_m,
            min_points=min_points
            if min_points is not None
            else settings.planning_hotspot_min_points,
            tz=settings.city_time_zone,
        )
    return _geojson(body)
