"""The 40-year renewal cost projection (layers/planning/projection.py) under the named
scenarios, compared side by side, as JSON, CSV and a one-page A4 PDF. Staff only
(Action.facility_plan)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.caching import PRIVATE_NO_STORE
from api.downloads import disposition
from api.pagination import Page, page_body, page_params
from api.permissions import Authorized, permit
from geo.renewal import EVENT_KINDS, Projection
from layers.city.calendar import city_today, this_fiscal_year
from layers.city.identity import get_city
from layers.planning import projection
from layers.planning.scenarios import scenarios
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(tags=["planning"])

OBJECT: dict[str, Any] = {"schema": {"type": "object"}}
SCENARIO_PATTERN = "^[a-z][a-z0-9_]{0,39}$"

ScenarioCode = Annotated[
    str,
    Query(max_length=40, pattern=SCENARIO_PATTERN, description="シナリオ / scenario code"),
]
CompareCode = Annotated[
    str | None,
    Query(max_length=40, pattern=SCENARIO_PATTERN, description="比較するシナリオ / compare with"),
]
BaseYear = Annotated[
    int | None,
    Query(
        ge=projection.BASE_YEAR_MIN,
        le=projection.BASE_YEAR_MAX,
        description="基準年度（既定: 今年度） / base fiscal year (default: this one)",
    ),
]


def _json(body: dict[str, Any]) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
        headers=PRIVATE_NO_STORE,
    )


def _year(base_year: int | None) -> int:
    return base_year if base_year is not None else this_fiscal_year()


@router.get(
    "/api/planning/scenarios",
    summary="更新費用試算のシナリオ / The projection's scenarios and their parameters",
    response_class=Response,
    responses={200: {"content": {"application/json": OBJECT}}},
)
def list_scenarios(auth: Authorized = permit(Action.facility_plan)) -> Response:
    return _json({"scenarios": [s.model_dump(mode="json") for s in scenarios()]})


def _building_item(
    result: Projection, row: projection.BuildingRow, index: int, total: float
) -> dict[str, Any]:
    b = result.buildings[index]
    mask = result.event_row == index
    events = sorted(
        (int(start), EVENT_KINDS[int(kind)])
        for start, kind in zip(result.event_start[mask], result.event_kind[mask], strict=True)
    )
    return {
        "building_id": b.building_id,
        "facility_id": b.facility_id,
        "facility_name": row.facility_name,
        "building_name": row.building_name,
        "cost_category": b.cost_category,
        "cost_category_ja": projection.category_ja(b.cost_category),
        "floor_area_m2": b.floor_area_m2,
        "built_year": b.built_year,
        "latest_grade": b.latest_grade,
        "seismic_standard": b.seismic_standard,
        "total": round(total, 2),
        "events": [{"kind": kind, "year": year} for year, kind in events],
    }


@router.get(
    "/api/planning/projection",
    summary="40年間の更新費用試算 / The 40-year renewal cost projection",
    response_class=Response,
    responses={200: {"content": {"application/json": OBJECT}}},
)
def projection_json(
    request: Request,
    scenario: ScenarioCode = "soumu",
    base_year: BaseYear = None,
    compare: CompareCode = None,
    sort: Annotated[
        Literal["total", "built_year", "building"],
        Query(description="建物の並び順 / order of the buildings"),
    ] = "total",
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    year = _year(base_year)
    with session_scope() as db:
        rows = projection.building_rows(db)
    result = projection.project_rows(rows, scenario, year)
    other = projection.project_rows(rows, compare, year) if compare else None
    by_id = {row.building_id: row for row in rows}
    totals = result.costs.sum(axis=1)
    order = list(range(len(result.buildings)))
    if sort == "total":
        order.sort(key=lambda i: (-totals[i], result.buildings[i].building_id))
    elif sort == "built_year":
        order.sort(key=lambda i: (result.buildings[i].built_year, result.buildings[i].building_id))
    else:
        order.sort(key=lambda i: result.buildings[i].building_id)
    chosen = order[page.offset : page.offset + page.limit]
    items = [
        _building_item(result, by_id[result.buildings[i].building_id], i, float(totals[i]))
        for i in chosen
    ]
    body = projection.summary(result)
    body |= page_body(request, page, items, len(order), key="items")
    if other is not None:
        body["compare"] = projection.summary(other) | {
            "difference": projection.comparison(result, other, rows)
        }
    return _json(body)


@router.get(
    "/api/planning/projection.csv",
    summary="更新費用試算のCSV / The projection as CSV (per category or per building)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def projection_csv(
    scenario: ScenarioCode = "soumu",
    base_year: BaseYear = None,
    table: Annotated[
        Literal["category", "building"],
        Query(description="年度×費用分類 か 建物別 / per category and year, or per building"),
    ] = "category",
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    year = _year(base_year)
    with session_scope() as db:
        result, rows = projection.run_with_rows(db, scenario, year)
    if table == "building":
        text_body = projection.building_csv(result, rows)
        titled = f"更新費用試算_建物別_{scenario}_{year}.csv"
    else:
        text_body = projection.category_csv(result)
        titled = f"更新費用試算_分類別_{scenario}_{year}.csv"
    return Response(
        text_body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            **PRIVATE_NO_STORE,
            "Content-Disposition": disposition(f"projection-{table}-{scenario}-{year}.csv", titled),
        },
    )


@router.get(
    "/api/planning/projection.pdf",
    summary="更新費用試算（A4 1枚） / The projection on one A4 page for a council paper",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A4 portrait"}},
)
def projection_pdf(
    scenario: ScenarioCode = "soumu",
    base_year: BaseYear = None,
    compare: CompareCode = None,
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    # Imported here: loading WeasyPrint takes a moment the JSON routes need not pay.
    from layers.planning.printing.document import pdf_of, projection_html

    year = _year(base_year)
    with session_scope() as db:
        rows = projection.building_rows(db)
        city = get_city(db)
        city_name = city.name if city is not None else ""
    result = projection.project_rows(rows, scenario, year)
    other = projection.project_rows(rows, compare, year) if compare else None
    document = projection_html(
        projection.summary(result),
        projection.summary(other) if other is not None else None,
        city_name,
        city_today(),
    )
    # A plain def: the layout's CPU runs in the thread pool, with no connection held.
    return Response(
        pdf_of(document),
        media_type="application/pdf",
        headers={
            **PRIVATE_NO_STORE,
            "Content-Disposition": disposition(
                f"projection-{scenario}-{year}.pdf",
                f"更新費用試算_{scenario}_{year}.pdf",
                inline=True,
            ),
        },
    )
