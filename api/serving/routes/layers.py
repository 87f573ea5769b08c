"""`GET /api/layers`: the public part of the layer registry, with live feature counts, and
each layer's features as the web map draws them: points, lines and areas of a mixed layer
together (`/api/layers/{id}/features`). GIS clients get the same rows from /ogc, where a
mixed layer is one collection per geometry type."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.addresses import public_base
from api.caching import revalidated_json
from api.media import GEOJSON
from api.params import LayerId
from api.permissions import Authorized, permit
from api.serving import feature_pages as pages
from layers.policy import Action, Actor
from layers.serving import features as fq
from layers.serving.publishing import layer_summaries
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/api", tags=["layers"])


@router.get(
    "/layers",
    summary="Published layers / 公開レイヤ一覧",
    dependencies=[permit(Action.public_read)],
)
def list_layers(request: Request) -> Response:
    with session_scope() as session:
        summaries = layer_summaries(session)
    return revalidated_json(request, {"layers": summaries})


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


def _layer_view(layer_id: str, actor: Actor) -> fq.View:
    return pages.find(fq.views(actor), layer_id)


@router.get(
    "/layers/{layer_id}/features",
    summary="レイヤの地物（GeoJSON） / A layer's features as GeoJSON",
    description=(
        "OGC API - Features の items と同じパラメータ（bbox, filter, sortby, limit, offset …）。"
        "点・線・面を含むレイヤもひとつにまとめて返します（地図画面用）。GIS ソフトは"
        " /ogc の図形種別ごとのコレクションを使ってください。near=経度,緯度 で近い順になり、"
        "各地物に直線距離 distance_m と町丁目 town が付きます。 / The parameters of OGC API -"
        " Features items; a layer of points, lines and areas comes as one (for the web map)."
        " GIS clients should use /ogc, one collection per geometry type. near=lon,lat sorts"
        " nearest first and adds each feature's straight-line distance_m and town."
    ),
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def list_layer_features(
    request: Request, layer_id: LayerId, auth: Authorized = permit(Action.public_read)
) -> Response:
    v = _layer_view(layer_id, auth.actor)
    url = f"{public_base(request)}/api/layers/{v.layer.id}"
    body, q = pages.items_body(request, v, url, html_alternate=False, nearest=True)
    return pages.geojson(body, q.crs)


@router.get(
    "/layers/{layer_id}/features/{feature_id}",
    summary="レイヤの地物ひとつ / One feature of a layer",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def get_layer_feature(
    request: Request,
    layer_id: LayerId,
    feature_id: Annotated[str, Path(description="地物 ID / feature id")],
    auth: Authorized = permit(Action.public_read),
) -> Response:
    v = _layer_view(layer_id, auth.actor)
    url = f"{public_base(request)}/api/layers/{v.layer.id}"
    body, crs = pages.item_body(request, v, feature_id, url, html_alternate=False)
    return pages.geojson(body, crs)
