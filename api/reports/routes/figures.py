"""Figures about residents' reports: response times for the staff dashboard
(layers/reports/figures.py) and the public counts per area of sensitive categories
(layers/reports/areas.py). Both answers are built by PostgreSQL and passed through as text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.media import GEOJSON
from api.permissions import Authorized, permit
from layers.policy import Action
from layers.reports.areas import BY, CELL_SIZES, areas_json, areas_query
from layers.reports.figures import figures_json, figures_query
from layers.store.db import session_scope

router = APIRouter(tags=["reports"])


# Declared as plain strings: the layers module says in Japanese and English what is wrong
# with a value, which FastAPI's own validation cannot.
Day = Annotated[
    str | None,
    Query(
        description="YYYY-MM-DD（日本時間 / Japan time）",
        json_schema_extra={"pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
    ),
]


@router.get(
    "/api/triage/figures",
    summary="通報の対応状況の集計 / Report response-time figures",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def report_figures(
    since: Day = None,
    until: Day = None,
    department: Annotated[str | None, Query(description="部署コード / department code")] = None,
    auth: Authorized = permit(Action.report_read_all),
) -> Response:
    """Per department, per category and overall: reports, median days to acceptance and to
    resolution, and the open backlog by age (each figure is defined in
    layers/reports/figures.py)."""
    q = figures_query(since, until, department)
    with session_scope() as db:
        body = figures_json(db, q)
    # Staff figures: never kept by a shared cache.
    return Response(body, media_type="application/json", headers={"Cache-Control": "private"})


@router.get(
    "/api/reports/areas",
    summary="不審者・空き家などの通報の区域別件数 / Sensitive reports as counts per area",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def report_areas(
    by: Annotated[
        str | None,
        Query(
            description="district（町丁目ごと、既定）/ grid（メッシュごと）",
            json_schema_extra={"enum": list(BY)},
        ),
    ] = None,
    cell: Annotated[
        str | None,
        Query(
            description=f"メッシュの大きさ（m）/ grid square size: {CELL_SIZES}, 500 by default",
            json_schema_extra={"enum": [str(size) for size in CELL_SIZES]},
        ),
    ] = None,
    category: Annotated[
        str | None, Query(description="分類コード（区域別公開の分類のみ）/ a sensitive category")
    ] = None,
    since: Annotated[
        str | None,
        Query(
            description="この月以降 / from this month: YYYY-MM or YYYY-MM-DD",
            json_schema_extra={"pattern": r"^(\d{4}-\d{2}(-\d{2})?)?$"},
        ),
    ] = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    """Counts of published reports in sensitive categories (不審者, 空き家) per district or
    grid square, never their points, text or dates (layers/reports/areas.py)."""
    q = areas_query(by, cell, category, since)
    with session_scope() as db:
        body = areas_json(db, q)
    return Response(body, media_type=GEOJSON)
