"""`GET /api/layers/{layer_id}/features/{feature_id}/records`: the inspections, patrol
observations and reports attached to a map feature, newest first (layers/serving/records.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from api.caching import vary_by_caller
from api.pagination import Page, page_body, page_params
from api.params import LayerId
from api.permissions import Authorized, permit
from layers.policy import Action
from layers.registry import Layer, get_layer, layer_ids
from layers.serving.records import feature_records
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.sql import BIGINT_MAX

router = APIRouter(tags=["records"])


def _layer(layer_id: str) -> Layer:
    try:
        return get_layer(layer_id)
    except KeyError:
        known = layer_ids()
        raise Refused(
            f"レイヤ {layer_id} はありません（{'、'.join(known)}）。",
            f"no layer {layer_id!r}; known: {', '.join(known)}",
            status=404,
            known=known,
        ) from None


@router.get(
    "/api/layers/{layer_id}/features/{feature_id}/records",
    summary="地物の点検・パトロール・通報 / Records attached to a feature",
)
def list_records(
    request: Request,
    response: Response,
    layer_id: LayerId,
    feature_id: Annotated[int, Path(ge=1, le=BIGINT_MAX, description="地物ID / feature id")],
    page: Page = Depends(page_params),
    auth: Authorized = permit(Action.public_read),
) -> dict[str, Any]:
    layer = _layer(layer_id)
    with session_scope() as db:
        found = feature_records(db, auth.actor, layer, feature_id, page.limit, page.offset)
    if found is None:
        # The same answer for a feature that is hidden from the caller and one that is gone.
        raise Refused(
            f"{layer.title_ja}（{layer.id}）に地物 {feature_id} はありません。",
            f"no feature {feature_id} in layer {layer.id!r}",
            status=404,
        )
    # Members, staff and the public get different records from the same URL.
    vary_by_caller(response, auth.actor)
    feature = {
        "layer": layer.id,
        "id": feature_id,
        "href": f"/api/layers/{layer.id}/features/{feature_id}",
        "type": "application/geo+json",
    }
    return {"feature": feature, **page_body(request, page, found.records, found.matched, "records")}
