"""OGC API - Features at /ogc (Parts 1, 2 and 3): the registry's layers for GIS clients.

A collection is a layer the caller may read rows of (layers/policy.py row_filter), showing
only the fields the caller may see; private fields are not output, not queryable and not
sortable, in any format. Items pages are built by one SQL statement
(layers/serving/features.py) and their bytes passed through unparsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from api.addresses import public_base
from api.negotiation import wants_html
from api.pagination import Page, next_url, prev_url
from api.params import LAYER_ID
from api.permissions import Authorized, permit
from api.serving.ogc import documents as docs
from api.serving.ogc import html
from api.serving.ogc.openapi import document as openapi_document
from api.serving.ogc.requests import check_parameters, english, parse_items
from layers.city.identity import City, get_city
from layers.policy import Action, Actor
from layers.serving import features as fq
from layers.serving.layer_metadata import LayerMetadata
from layers.serving.publishing import metadata_by_layer
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.sql import id_of

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
VARY = {"Vary": "Accept, Accept-Language"}


def _json(doc: dict[str, Any], media_type: str = docs.JSON) -> JSONResponse:
    return JSONResponse(doc, media_type=media_type, headers=VARY)


def _state() -> tuple[dict[str, LayerMetadata], City | None]:
    with session_scope() as db:
        return metadata_by_layer(db), get_city(db)


def _visible(actor: Actor, meta: dict[str, LayerMetadata]) -> list[fq.View]:
    published = {k: m.is_public for k, m in meta.items()}
    return [v for v in fq.views(actor) if fq.published(v, published)]


def _published_view(actor: Actor, meta: dict[str, LayerMetadata], collection_id: str) -> fq.View:
    for v in _visible(actor, meta):
        if v.layer.id == collection_id:
            return v
    raise _not_found(collection_id)


def _not_found(collection_id: str) -> Refused:
    # A collection the caller may not read answers exactly as a missing one.
    return Refused(
        f"コレクション {collection_id} はありません。",
        f"no collection {collection_id!r}",
        status=404,
    )


def _view(collection_id: str, actor: Actor) -> fq.View:
    """The layer as the caller sees it; whether it is published is checked by its query."""
    for v in fq.views(actor):
        if v.layer.id == collection_id:
            return v
    raise _not_found(collection_id)


def _zone_if_needed(request: Request) -> int | None:
    params = request.query_params
    if any(name in params for name in ("crs", "bbox-crs", "filter-crs")):
        return fq.city_zone()
    return None


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


def _related(request: Request, v: fq.View) -> tuple[str, str]:
    prefix = f"{public_base(request)}/api/layers/{v.layer.id}/features/"
    return fq.related_link_parts(prefix, docs.RECORDS_TITLE)


def _items_links(request: Request, v: fq.View, q: fq.ItemsQuery) -> fq.ItemsLinks:
    page = Page(q.limit, q.offset)
    links = [
        docs.link(str(request.url), "self", docs.GEOJSON, "このページ / this page"),
        docs.link(str(request.url.include_query_params(f="html")), "alternate", docs.HTML, "HTML"),
        docs.link(
            f"{public_base(request)}/ogc/collections/{v.layer.id}",
            "collection",
            docs.JSON,
            "コレクション / the collection",
        ),
    ]
    previous = prev_url(request, page)
    if previous is not None:
        links.append(docs.link(previous, "prev", docs.GEOJSON, "前のページ / previous page"))
    following = docs.link(next_url(request, page), "next", docs.GEOJSON, "次のページ / next page")
    head = f'"timeStamp":"{docs.timestamp()}","links":[' + ",".join(
        json.dumps(k, ensure_ascii=False) for k in links
    )
    related_head, related_tail = _related(request, v)
    return fq.ItemsLinks(
        head, "," + json.dumps(following, ensure_ascii=False), related_head, related_tail
    )


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
    as_html = wants_html(request)
    q = parse_items(request, v, _zone_if_needed(request))
    body = fq.run_items(q, _items_links(request, v, q))
    if body is None:
        raise _not_found(collection_id)
    if as_html:
        names = [f.name for f in q.output_fields]
        return html.items(json.loads(body), _title(request, v), names, english(request))
    return Response(
        body, media_type=docs.GEOJSON, headers={"Content-Crs": f"<{q.crs.uri}>", **VARY}
    )


def _title(request: Request, v: fq.View) -> str:
    return v.layer.title_en if english(request) else v.layer.title_ja


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
    check_parameters(request, {"f", "crs", "lang"})
    as_html = wants_html(request)
    crs = fq.CRS84
    if "crs" in request.query_params:
        choices = fq.crs_choices(_zone_if_needed(request))
        crs = fq.find_crs("crs", request.query_params["crs"], choices)
    missing = Refused(
        f"{v.layer.title_ja} {feature_id} はありません。",
        f"no feature {feature_id!r} in {v.layer.id}",
        status=404,
    )
    number = id_of(feature_id)
    if number is None:
        raise missing
    url = f"{public_base(request)}/ogc/collections/{v.layer.id}"
    links = [
        docs.link(str(request.url), "self", docs.GEOJSON),
        docs.link(str(request.url.include_query_params(f="html")), "alternate", docs.HTML),
        docs.link(url, "collection", docs.JSON, "コレクション / the collection"),
    ]
    body = fq.run_item(v, number, crs, links, _related(request, v))
    if body is None:
        raise missing  # also when the caller may not see it: the same answer as missing
    if as_html:
        return html.item(json.loads(body), _title(request, v), english(request))
    return Response(body, media_type=docs.GEOJSON, headers={"Content-Crs": f"<{crs.uri}>", **VARY})
