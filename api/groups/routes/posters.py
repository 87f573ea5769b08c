"""The printed safety map (layers/groups/posters/): an A4 or A3 PDF for the 回覧板 and the
school's board. Whoever may read the map may print it; a draft prints for its group marked
as a draft, and no poster ever shows a photo the leader has not released."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.addresses import public_base
from api.caching import vary_by_caller
from api.downloads import disposition
from api.groups.loaders import map_row
from api.permissions import Authorized, permit
from layers.groups.model import SafetyMap
from layers.groups.posters import Atlas, Orientation, Paper, PosterOptions, pdf_of, poster_html
from layers.policy import Action
from layers.store.db import session_scope

router = APIRouter(tags=["safety maps"])


@router.get(
    "/api/safety-maps/{map_id}/print.pdf",
    summary="印刷用ポスター（PDF） / The map as a poster to print",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The poster"}},
)
def print_map(
    request: Request,
    paper: Annotated[Paper, Query(description="用紙 / paper size")] = Paper.A4,
    orientation: Annotated[
        Orientation, Query(description="向き / orientation")
    ] = Orientation.portrait,
    atlas: Annotated[
        Atlas | None,
        Query(description="地区ごとのページ（自治会・小学校区） / one page per district"),
    ] = None,
    auth: Authorized = permit(Action.safety_map_read, map_row),
) -> Response:
    # A plain def: FastAPI runs it in its thread pool, so seconds of layout never hold the
    # event loop.
    m: SafetyMap = auth.resource
    options = PosterOptions(paper, orientation, atlas)
    with session_scope() as db:
        document = poster_html(db, m, options, public_base(request))
    pdf = pdf_of(document)  # the connection is back in the pool while this lays out
    name = f"safety-map-{m.id}-{paper.value}-{orientation.value}.pdf"
    response = Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition(name, f"{m.title}.pdf", inline=True)},
    )
    vary_by_caller(response, auth.actor)
    return response
