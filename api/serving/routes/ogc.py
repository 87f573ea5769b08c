"""OGC API - Features at /ogc (Parts 1, 2 and 3): the registry's layers for GIS clients.

A collection is a layer the caller may read rows of (layers/policy.py row_filter), showing
only the fields the caller may see; private fields are not output, not queryable and not
sortable, in any format. Items pages are built by one SQL statement
(layers/serving/features.py) and their bytes passed through unparsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from api.addresses import public_base
from api.negotiation import wants_html
from api.params import LAYER_ID
from api.permissions import Authorized, permit
from api.serving import feature_pages as pages
from api.serving import tile_documents
from api.serving.ogc import documents as docs
from api.serving.ogc import html
from api.serving.ogc import tilesets as ts
from api.serving.ogc.openapi import document as openapi_document
from api.serving.ogc.requests import check_parameters, english
from geo import tiles as tms
from layers.city.identity import City, get_city
from layers.policy import Action, Actor
from layers.serving import features as fq
from layers.serving import tiles as tile_layers
from layers.serving.layer_metadata import LayerMetadata
from layers.serving.publishing import metadata_by_layer
from layers.store.db import session_scope
from layers.store.refusals import Refused

# Described by its own definition, /ogc/api (OGC API - Features asks for one, per
# collection, which GDAL and QGIS read), not by the service's /openapi.json.
router = APIRouter(prefix="/ogc", tags=["ogc"], include_in_schema=False)

CollectionId = Annotated[
    str,
    Path(
        alias="collectionId",
        description="レイヤ ID / layer id",
        json_schema_extra={"pattern": f"^{LAYER_ID}$"},
    ),
]
FeatureId = Annotated[str, Path(alias="featureId", description="地物 ID / feature id")]
VARY = pages.VARY


def _json(doc: dict[str, Any], media_type: str = docs.JSON) -> JSONResponse:
    return JSONResponse(doc, media_type=media_type, headers=VARY)


def _state() -> tuple[dict[str, LayerMetadata], City | None]:
    with session_scope() as db:
        return metadata_by_layer(db), get_city(db)


def _visible(actor: Actor, meta: dict[str, LayerMetadata]) -> list[fq.View]:
    published = {k: m.is_public for k, m in meta.items()}
    return [v for v in fq.collection_views(actor) if fq.published(v, published)]


def _published_view(actor: Actor, meta: dict[str, LayerMetadata], collection_id: str) -> fq.View:
    return pages.find(_visible(actor, meta), collection_id)


def _view(collection_id: str, actor: Actor) -> fq.View:
    """The layer as the caller sees it; whether it is published is checked by its query."""
    return pages.find(fq.collection_views(actor), collection_id)


@router.get("", summary="OGC API ランディングページ / landing page")
def landing(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    _, city = _state()
    doc = docs.landing(public_base(request), city.name if city else None)
    return html.landing(doc, english(request)) if wants_html(request) else _json(doc)


@router.get("/conformance", summary="適合クラス / conformance classes")
def conformance(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    doc = docs.conformance(public_base(request))
    return html.conformance(doc, english(request)) if wants_html(request) else _json(doc)


@router.get(
    "/api",
    summary="OpenAPI 3.0 定義 / OpenAPI 3.0 definition",
    response_class=Response,
    responses={200: {"content": {docs.OPENAPI: {"schema": {"type": "object"}}}}},
)
def api_definition(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    meta, city = _state()
    crs = [c.uri for c in fq.crs_choices(city.plane_zone if city else None)]
    doc = openapi_document(public_base(request), _visible(auth.actor, meta), crs)
    return _json(doc, docs.OPENAPI)


def _collection_doc(
    request: Request, v: fq.View, meta: dict[str, LayerMetadata], city: City | None
) -> dict[str, Any]:
    m = meta.get(v.layer.id)
    extent = fq.extent(v, m.version if m else 0)
    crs = fq.crs_choices(city.plane_zone if city else None)
    return docs.collection(public_base(request), v, m, extent, crs, english(request))


@router.get("/collections", summary="コレクション一覧 / collections")
def collections(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    meta, city = _state()
    items = [_collection_doc(request, v, meta, city) for v in _visible(auth.actor, meta)]
    doc = docs.collections(public_base(request), items)
    return html.collections(doc, english(request)) if wants_html(request) else _json(doc)


@router.get("/collections/{collectionId}", summary="コレクション / one collection")
def collection(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    meta, city = _state()
    doc = _collection_doc(request, _published_view(auth.actor, meta, collection_id), meta, city)
    return html.collection(doc, english(request)) if wants_html(request) else _json(doc)


@router.get("/collections/{collectionId}/schema", summary="地物のスキーマ / schema of the features")
def schema(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    return _schema_answer(request, collection_id, auth, docs.schema, ("スキーマ", "Schema"))


@router.get(
    "/collections/{collectionId}/feature-schema",
    summary="GeoJSON 地物のスキーマ / schema of one GeoJSON feature",
)
def feature_schema(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    return _schema_answer(request, collection_id, auth, docs.feature_schema, None)


@router.get("/collections/{collectionId}/queryables", summary="検索できる項目 / queryables")
def queryables(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    return _schema_answer(
        request, collection_id, auth, docs.queryables, ("検索できる項目", "Queryables")
    )


def _schema_answer(
    request: Request,
    collection_id: str,
    auth: Authorized,
    build: Callable[[str, fq.View, bool], dict[str, Any]],
    page_title: tuple[str, str] | None,
) -> Response:
    """A JSON Schema of a collection (queryables, schema, feature schema); as a table for
    a browser where there is a page (page_title), as application/schema+json otherwise."""
    check_parameters(request, {"f"}, others_ignored=True)
    meta, _ = _state()
    v = _published_view(auth.actor, meta, collection_id)
    en = english(request)
    doc = build(public_base(request), v, en)
    if page_title is not None and wants_html(request):
        return html.queryables(doc, en, page_title)
    return _json(doc, docs.SCHEMA_JSON)


@router.get(
    "/collections/{collectionId}/items",
    summary="地物 / features",
    response_class=Response,
    responses={200: {"content": {docs.GEOJSON: {}, docs.HTML: {}}}},
)
def items(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    v = _view(collection_id, auth.actor)
    url = f"{public_base(request)}/ogc/collections/{v.id}"
    body, q = pages.items_body(request, v, url, html_alternate=True)
    if wants_html(request):
        names = [f.name for f in q.output_fields]
        return html.items(json.loads(body), _title(request, v), names, english(request))
    return pages.geojson(body, q.crs)


def _title(request: Request, v: fq.View) -> str:
    return docs.title(v, None, english(request))


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary="地物 / one feature",
    response_class=Response,
    responses={200: {"content": {docs.GEOJSON: {}, docs.HTML: {}}}},
)
def item(
    request: Request,
    collection_id: CollectionId,
    feature_id: FeatureId,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    v = _view(collection_id, auth.actor)
    url = f"{public_base(request)}/ogc/collections/{v.id}"
    body, crs = pages.item_body(request, v, feature_id, url, html_alternate=True)
    if wants_html(request):
        return html.item(json.loads(body), _title(request, v), english(request))
    return pages.geojson(body, crs)


# --- OGC API - Tiles and Styles: the vector tiles and the style, discoverable -------------

TileMatrixSetId = Annotated[
    str, Path(alias="tileMatrixSetId", description="タイル行列集合 / tile matrix set")
]
StyleId = Annotated[str, Path(alias="styleId", description="スタイル ID / style id")]


def _matrix_set(request: Request, tile_matrix_set_id: str) -> None:
    check_parameters(request, {"f"}, others_ignored=True)
    if tile_matrix_set_id != tms.ID:
        raise Refused(
            f"タイル行列集合 {tile_matrix_set_id} はありません（{tms.ID} のみ）。",
            f"no tile matrix set {tile_matrix_set_id!r}; only {tms.ID}",
            status=404,
        )


def _style_id(style_id: str) -> None:
    if style_id != ts.STYLE_ID:
        raise Refused(
            f"スタイル {style_id} はありません（{ts.STYLE_ID} のみ）。",
            f"no style {style_id!r}; only {ts.STYLE_ID}",
            status=404,
        )


@router.get("/tileMatrixSets", summary="タイル行列集合の一覧 / tile matrix sets")
def tile_matrix_sets(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    return _json(ts.matrix_sets(public_base(request)))


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="タイル行列集合 / one tile matrix set")
def tile_matrix_set(
    request: Request,
    tile_matrix_set_id: TileMatrixSetId,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    _matrix_set(request, tile_matrix_set_id)
    return _json(ts.matrix_set(public_base(request)))


def _dataset_layers(actor: Actor, meta: dict[str, LayerMetadata]) -> list[fq.View]:
    """The layers of the dataset tiles: those anyone sees (one cacheable tile URL)."""
    anyone = set(tile_layers.anonymous_layer_ids())
    seen: dict[str, fq.View] = {}
    for v in _visible(actor, meta):
        if v.layer.id in anyone:
            seen.setdefault(v.layer.id, replace(v, part=None))
    return list(seen.values())


def _dataset_title(en: bool) -> str:
    return "machimap layers (vector tiles)" if en else "machimap の地図レイヤ（ベクトルタイル）"


@router.get("/tiles", summary="ベクトルタイルセット一覧 / vector tilesets of the dataset")
def dataset_tilesets(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    base = public_base(request)
    return _json(ts.tilesets(base, f"{base}/ogc/tiles", _dataset_title(english(request))))


@router.get("/tiles/{tileMatrixSetId}", summary="ベクトルタイルセット / the dataset's tileset")
def dataset_tileset(
    request: Request,
    tile_matrix_set_id: TileMatrixSetId,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    _matrix_set(request, tile_matrix_set_id)
    meta, _ = _state()
    views = _dataset_layers(auth.actor, meta)
    return _json(_tileset(request, f"/ogc/tiles/{tms.ID}", views, _dataset_title(english(request))))


def _tileset(request: Request, path: str, views: list[fq.View], title: str) -> dict[str, Any]:
    base = public_base(request)
    en = english(request)
    layers = [v.layer for v in views]
    info = tile_documents.tilejson(layers, [v.row_filter for v in views], base)
    bounds = info["bounds"]
    described = [(v.layer, docs.title(v, None, en), v.layer.geometry_type) for v in views]
    bbox = (bounds[0], bounds[1], bounds[2], bounds[3]) if bounds else None
    return ts.tileset(base, f"{base}{path}", title, described, bbox, info["attribution"])


def _described(request: Request, auth: Authorized, collection_id: str) -> tuple[fq.View, str]:
    """The published collection the caller may read, and its title in the page language."""
    check_parameters(request, {"f"}, others_ignored=True)
    meta, _ = _state()
    v = _published_view(auth.actor, meta, collection_id)
    return v, docs.title(v, meta.get(v.layer.id), english(request))


@router.get(
    "/collections/{collectionId}/tiles", summary="コレクションのタイルセット一覧 / tilesets"
)
def collection_tilesets(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    v, title = _described(request, auth, collection_id)
    base = public_base(request)
    return _json(ts.tilesets(base, f"{base}/ogc/collections/{v.id}/tiles", title))


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}",
    summary="コレクションのタイルセット / a collection's tileset",
)
def collection_tileset(
    request: Request,
    collection_id: CollectionId,
    tile_matrix_set_id: TileMatrixSetId,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    v, title = _described(request, auth, collection_id)
    _matrix_set(request, tile_matrix_set_id)
    path = f"/ogc/collections/{v.id}/tiles/{tms.ID}"
    return _json(_tileset(request, path, [replace(v, part=None)], title))


def _style_title(en: bool) -> str:
    return "machimap map style (MapLibre)" if en else "machimap の地図スタイル（MapLibre）"


@router.get("/styles", summary="スタイル一覧 / styles")
def styles(request: Request, auth: Authorized = permit(Action.public_read)) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    base = public_base(request)
    return _json(ts.styles(f"{base}/ogc/styles", _style_title(english(request))))


@router.get(
    "/styles/{styleId}",
    summary="スタイル（MapLibre / Mapbox GL） / a style",
    response_class=JSONResponse,
    responses={200: {"content": {ts.MAPBOX_STYLE: {"schema": {"type": "object"}}}}},
)
def style(
    request: Request, style_id: StyleId, auth: Authorized = permit(Action.public_read)
) -> Response:
    check_parameters(request, {"f"}, others_ignored=True)
    _style_id(style_id)
    return _json(tile_documents.style(public_base(request)), ts.MAPBOX_STYLE)


@router.get("/collections/{collectionId}/styles", summary="コレクションのスタイル一覧 / styles")
def collection_styles(
    request: Request, collection_id: CollectionId, auth: Authorized = permit(Action.public_read)
) -> Response:
    v, title = _described(request, auth, collection_id)
    return _json(ts.styles(f"{public_base(request)}/ogc/collections/{v.id}/styles", title))


@router.get(
    "/collections/{collectionId}/styles/{styleId}",
    summary="コレクションのスタイル / a collection's style",
    response_class=JSONResponse,
    responses={200: {"content": {ts.MAPBOX_STYLE: {"schema": {"type": "object"}}}}},
)
def collection_style(
    request: Request,
    collection_id: CollectionId,
    style_id: StyleId,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    v, _ = _described(request, auth, collection_id)
    _style_id(style_id)
    return _json(ts.collection_style(public_base(request), v), ts.MAPBOX_STYLE)
