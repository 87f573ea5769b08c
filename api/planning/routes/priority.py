"""What to renew first (layers/planning/priority.py): the ranking of buildings with every
part of its score, as JSON pages for the table and CSV (UTF-8 with BOM) for the council
paper. Staff only (Action.facility_plan)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.caching import PRIVATE_NO_STORE
from api.downloads import disposition
from api.pagination import Page, page_body, page_params
from api.params import QueryId
from api.permissions import Authorized, permit
from layers.city.calendar import this_fiscal_year
from layers.city.facilities import FacilityKind
from layers.planning import priority
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import ParameterRefused
from layers.store.settings import get_settings

router = APIRouter(tags=["planning"])


@router.get(
    "/api/planning/priority",
    summary="更新の優先順位（内訳つき） / Renewal priority ranking with its parts",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "f=json: a page of rows; f=csv: every row (UTF-8 with BOM)",
        }
    },
)
def ranking(
    request: Request,
    base_year: Annotated[
        int | None, Query(ge=1900, le=2200, description="基準年度 / base year (default: this year)")
    ] = None,
    district: Annotated[QueryId, Query(description="地区 ID / district id")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=40, pattern="^[a-z_]{1,40}$", description="施設種別 / facility kind"),
    ] = None,
    f: Annotated[Literal["json", "csv"], Query(description="形式 / format")] = "json",
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    if kind is not None and kind not in {k.value for k in FacilityKind}:
        raise ParameterRefused(
            "kind", f"施設種別「{kind}」はありません。", f"unknown facility kind '{kind}'"
        )
    year = base_year or this_fiscal_year()
    with session_scope() as db:
        rows = priority.ranking(db, year)
    # The rank is the city-wide one: a filtered table still says where a building stands.
    rows = [
        r
        for r in rows
        if (district is None or district in r.district_chain)
        and (kind is None or r.facility_kind == kind)
    ]
    if f == "csv":
        return Response(
            "".join(priority.csv_lines(rows)).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                **PRIVATE_NO_STORE,
                "Content-Disposition": disposition(
                    f"renewal-priority-{year}.csv", f"更新優先順位_{year}年度.csv"
                ),
            },
        )
    shown = rows[page.offset : page.offset + page.limit]
    body: dict[str, Any] = page_body(request, page, [r.json() for r in shown], len(rows))
    body |= {
        "base_year": year,
        "weights": get_settings().planning_priority_weights,
        "parts": [
            {"code": p, "name_ja": priority.PART_NAMES[p][0], "name_en": priority.PART_NAMES[p][1]}
            for p in priority.PARTS
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
        headers=PRIVATE_NO_STORE,
    )
