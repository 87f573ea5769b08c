"""Staff edits of layer features (`/api/layers/{layer_id}/features`): create, change, delete.

Every write runs in a session carrying the caller, so the database's audit trigger records
who changed which feature, before and after. The checks live in layers/city/editing.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from api.media import GeoJSONResponse
from api.params import LayerId, PathId
from api.permissions import Authorized, acting, permit
from layers.city import editing
from layers.policy import Action
from layers.registry import Layer

router = APIRouter(prefix="/api/layers/{layer_id}/features", tags=["editing"])


_EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
    "properties": {"kind": "road_damage", "title": "舗装の穴", "severity": 3},
}
FeatureBody = Annotated[
    Any,
    Body(
        description="GeoJSON Feature; properties named as the layer's fields (GET /api/layers)",
        openapi_examples={"hazard": {"summary": "危険箇所 / a hazard", "value": _EXAMPLE}},
    ),
]
PatchBody = Annotated[
    Any,
    Body(
        description="Any of properties (a subset) and geometry; null clears a property",
        openapi_examples={
            "severity": {"summary": "危険度の変更", "value": {"properties": {"severity": 4}}}
        },
    ),
]


def _layer(layer_id: str) -> Layer:
    return editing.editable_layer(layer_id)


def _answer(feature: dict[str, Any], edit: editing.Edit, **kwargs: Any) -> GeoJSONResponse:
    if edit.repaired:
        # The stored shape differs from the one sent: say so rather than change it silently.
        feature["repaired"] = edit.repaired
    return GeoJSONResponse(feature, **kwargs)


@router.post(
    "", status_code=201, summary="地物の追加 / Add a feature", response_class=GeoJSONResponse
)
def create_feature(
    layer_id: LayerId, body: FeatureBody, auth: Authorized = permit(Action.layer_edit)
) -> GeoJSONResponse:
    layer = _layer(layer_id)
    with acting(auth, lambda db: None) as (db, _):
        feature_id, edit = editing.create_feature(db, layer, body)
        feature = editing.feature_json(db, layer, feature_id)
    location = f"{router.prefix.format(layer_id=layer.id)}/{feature_id}"
    return _answer(feature, edit, status_code=201, headers={"Location": location})


@router.patch(
    "/{feature_id}", summary="地物の変更 / Change a feature", response_class=GeoJSONResponse
)
def edit_feature(
    layer_id: LayerId,
    feature_id: PathId,
    body: PatchBody,
    auth: Authorized = permit(Action.layer_edit),
) -> GeoJSONResponse:
    layer = _layer(layer_id)
    with acting(auth, lambda db: None) as (db, _):
        edit = editing.update_feature(db, layer, feature_id, body)
        feature = editing.feature_json(db, layer, feature_id)
    return _answer(feature, edit)


@router.delete("/{feature_id}", status_code=204, summary="地物の削除 / Delete a feature")
def delete_feature(
    layer_id: LayerId, feature_id: PathId, auth: Authorized = permit(Action.layer_edit)
) -> Response:
    layer = _layer(layer_id)
    with acting(auth, lambda db: None) as (db, _):
        editing.delete_feature(db, layer, feature_id)
    return Response(status_code=204)
