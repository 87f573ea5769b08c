"""点検結果報告書 as a PDF (layers/inspections/printing/): whoever may read the inspection may
print it, and the printout shows what the detail shows that caller. The public's copy has
the date, kind, grades and hazard level, and findings, notes, the inspector and photos only
once staff released them; a refusal would send residents to the detail for the same
facts with no printout of what is public information (12条点検 results of public
buildings), so the public gets the same sheet with the withheld parts marked 非公開."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.caching import vary_by_caller
from api.params import PathId
from api.permissions import Authorized, permit
from layers.groups.posters import pdf_of
from layers.inspections.printing import report_html
from layers.inspections.reading import inspection_detail
from layers.policy import Action, can
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["inspections"])


@router.get(
    "/api/inspections/{inspection_id}.pdf",
    summary="点検結果報告書（A4 PDF） / The inspection's report, to print",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A4 portrait"}},
)
def print_inspection(
    inspection_id: PathId, auth: Authorized = permit(Action.public_read)
) -> Response:
    # A plain def: the layout's seconds run in the thread pool, with no connection held.
    with session_scope() as db:
        detail = inspection_detail(db, auth.actor, inspection_id)
        if detail is None:  # or a subject this caller may not see: the same answer
            raise Refused(
                f"点検記録 {inspection_id} はありません。",
                f"no inspection {inspection_id}",
                status=404,
            )
        full = can(auth.actor, Action.inspection_read)
        document = report_html(db, detail, full)
    response = Response(
        pdf_of(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="inspection-{inspection_id}.pdf"'},
    )
    vary_by_caller(response, auth.actor)
    if full:  # unreleased findings and photos: kept by no cache, as the photos are
        response.headers["Cache-Control"] = "private, no-store"
    return response
