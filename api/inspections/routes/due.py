"""The due and overdue board (layers/inspections/due.py): per department, what is overdue,
falls due soon or was never inspected, as JSON for the table, GeoJSON for the map and CSV
for the spreadsheet the department keeps. Staff only (inspection.read): the board tells
where the city is behind on its legal inspections."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.caching import PRIVATE_NO_STORE
from api.downloads import disposition
from api.media import GEOJSON
from api.pagination import Page, page_body, page_params
from api.params import QueryId
from api.permissions import Authorized, permit
from layers.city.calendar import city_today
from layers.inspections import due
from layers.inspections.model import CODE_PATTERN
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.settings import get_settings

router = APIRouter(tags=["inspections"])

OBJECT: dict[str, Any] = {"schema": {"type": "object"}}
CHUNK_CHARS = 32_768  # up to 3 bytes a character in UTF-8


@router.get(
    "/api/inspections/due",
    summary="点検期限の一覧（期限切れ・期限間近・未点検） / Inspections due and overdue",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": OBJECT,
                GEOJSON: OBJECT,
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "f=json: rows and counts; f=geojson: the rows on the map; "
            "f=csv: every row (UTF-8 with BOM, Japanese headers, no pages)",
        }
    },
)
def due_board(
    request: Request,
    department: Annotated[QueryId, Query(description="担当部署 ID / department id")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=40, pattern=CODE_PATTERN, description="点検種別 / inspection kind"),
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(
            max_length=5,
            description="overdue, due_soon, never, ok, all（カンマ区切り可 / comma list）; "
            "既定 / default: overdue,due_soon,never",
        ),
    ] = None,
    district: Annotated[QueryId, Query(description="地区 ID（その中の地区も） / district")] = None,
    sort: Annotated[
        due.Sort, Query(description="並び順 / order (next_due: 未点検が先 / never first)")
    ] = "next_due",
    f: Annotated[Literal["json", "geojson", "csv"], Query(description="形式 / format")] = "json",
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.inspection_read),
) -> Response:
    settings = get_settings()
    today = city_today(settings)
    soon = settings.inspection_due_soon_days
    filters = due.Filters(
        department, kind, district, due.parse_statuses([s[:100] for s in status or []]), sort
    )
    if f == "csv":
        return _csv(filters, today, soon)
    with session_scope() as db:
        found = due.board(
            db,
            filters,
            today=today,
            soon_days=soon,
            limit=page.limit,
            offset=page.offset,
            shape="features" if f == "geojson" else "items",
        )
    key = "features" if f == "geojson" else "items"
    body = page_body(request, page, found.items, found.matched, key=key)
    body |= {"counts": found.counts, "today": today.isoformat(), "due_soon_days": soon}
    if f == "geojson":
        body = {"type": "FeatureCollection", **body}
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type=GEOJSON if f == "geojson" else "application/json",
        headers=PRIVATE_NO_STORE,
    )


def _csv(filters: due.Filters, today: date, soon: int) -> Response:
    # Checked before the answer starts: once streaming, a refusal could no longer be a 4xx.
    with session_scope() as db:
        due.check_filters(db, filters)

    def chunks() -> Iterator[bytes]:
        # Lines gathered into chunks of about 64 KiB: a chunk per line would make the
        # compression flush after every row.
        with session_scope() as db:
            held: list[str] = []
            size = 0
            for line in due.csv_lines(db, filters, today=today, soon_days=soon):
                held.append(line)
                size += len(line)
                if size >= CHUNK_CHARS:
                    yield "".join(held).encode("utf-8")
                    held, size = [], 0
            yield "".join(held).encode("utf-8")

    name = f"inspections-due-{today.isoformat()}"
    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={
            **PRIVATE_NO_STORE,
            "Content-Disposition": disposition(f"{name}.csv", f"点検期限一覧_{today}.csv"),
        },
    )
