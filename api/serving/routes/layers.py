"""`GET /api/layers`: the public part of the layer registry, with live feature counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.params import LayerId
from api.permissions import permit
from layers.policy import Action
from layers.serving.publishing import layer_summaries
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api", tags=["layers"])


@router.get(
    "/layers",
    summary="Published layers / 公開レイヤ一覧",
    dependencies=[permit(Action.public_read)],
)
def list_layers() -> dict[str, Any]:
    with session_scope() as session:
        return {"layers": layer_summaries(session)}


@router.get(
    "/layers/{layer_id}",
    summary="One published layer / レイヤ",
    dependencies=[permit(Action.public_read)],
)
def get_layer(layer_id: LayerId) -> dict[str, Any]:
    with session_scope() as session:
        for summary in layer_summaries(session):
            if summary["id"] == layer_id:
                return summary
    raise Refused(
        f"レイヤ {layer_id} はありません。", f"no published layer {layer_id!r}", status=404
    )
