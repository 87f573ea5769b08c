"""GeoJSON feature pages, one way for both places that serve them: the OGC API's collections
(/ogc, one geometry type each, for GIS clients) and the layers as the web map draws them
(/api/layers/{id}/features, points, lines and areas together).

The statement is built and run in layers/serving/features.py; here only the request is read
and the links are made, so the two routes page, filter and refuse alike."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

from api.addresses import public_base
from api.pagination import Page, next_url, prev_url
from api.serving.ogc.documents import GEOJSON, HTML, JSON, RECORDS_TITLE, timestamp
from api.serving.ogc.documents import link as _link
from api.serving.ogc.requests import check_parameters, parse_items
from layers.serving import features as fq
from layers.store.refusals import Refused
from layers.store.sql import id_of

VARY = {"Vary": "Accept, Accept-Language"}


def zone_if_needed(request: Request) -> int | None:
    params = request.query_params
    if any(name in params for name in ("crs", "bbox-crs", "filter-crs")):
        return fq.city_zone()
    return None


def _related(request: Request, v: fq.View) -> tuple[str, str]:
    # Records hang off the layer (a feature keeps its id in every part it is shown in).
    prefix = f"{public_base(request)}/api/layers/{v.layer.id}/features/"
    return fq.related_link_parts(prefix, RECORDS_TITLE)


def items_body(
    request: Request,
    v: fq.View,
    collection_url: str,
    html_alternate: bool,
    *,
    nearest: bool = False,
) -> tuple[bytes, fq.ItemsQuery]:
    """A page of features as GeoJSON bytes, and the query read from the request (400
    problems for bad parameters; 404 when the layer is withheld from the caller).
    ``nearest``: ``near=lon,lat`` is taken (the web map's list, nearest first)."""
    q = parse_items(request, v, zone_if_needed(request), nearest=nearest)
    page = Page(q.limit, q.offset)
    links = [_link(str(request.url), "self", GEOJSON, "このページ / this page")]
    if html_alternate:
        alternate = str(request.url.include_query_params(f="html"))
        links.append(_link(alternate, "alternate", HTML, "HTML"))
    links.append(_link(collection_url, "collection", JSON, "コレクション / the collection"))
    previous = prev_url(request, page)
    if previous is not None:
        links.append(_link(previous, "prev", GEOJSON, "前のページ / previous page"))
    following = _link(next_url(request, page), "next", GEOJSON, "次のページ / next page")
    head = f'"timeStamp":"{timestamp()}","links":[' + ",".join(
        json.dumps(k, ensure_ascii=False) for k in links
    )
    related_head, related_tail = _related(request, v)
    page_links = fq.ItemsLinks(
        head, "," + json.dumps(following, ensure_ascii=False), related_head, related_tail
    )
    body = fq.run_items(q, page_links)
    if body is None:
        raise not_found(v.id)
    return body, q


def item_body(
    request: Request,
    v: fq.View,
    feature_id: str,
    collection_url: str,
    html_alternate: bool,
) -> tuple[bytes, fq.Crs]:
    """One feature as GeoJSON bytes and the CRS it is in; 404 when missing, not visible to
    the caller or (in a geometry part) of another geometry type."""
    check_parameters(request, {"f", "crs", "lang"})
    crs = fq.CRS84
    if "crs" in request.query_params:
        choices = fq.crs_choices(zone_if_needed(request))
        crs = fq.find_crs("crs", request.query_params["crs"], choices)
    missing = Refused(
        f"{v.layer.title_ja}（{v.id}）に地物 {feature_id} はありません。",
        f"no feature {feature_id!r} in {v.id}",
        status=404,
    )
    number = id_of(feature_id)
    if number is None:
        raise missing
    links: list[dict[str, Any]] = [_link(str(request.url), "self", GEOJSON)]
    if html_alternate:
        links.append(_link(str(request.url.include_query_params(f="html")), "alternate", HTML))
    links.append(_link(collection_url, "collection", JSON, "コレクション / the collection"))
    body = fq.run_item(v, number, crs, links, _related(request, v))
    if body is None:
        raise missing  # also when the caller may not see it: the same answer as missing
    return body, crs


def find(views: list[fq.View], wanted: str) -> fq.View:
    """The view with this id (a collection's, or a layer's), 404 when the caller has none."""
    for v in views:
        if v.id == wanted:
            return v
    raise not_found(wanted)


def geojson(body: bytes, crs: fq.Crs) -> Response:
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{crs.uri}>", **VARY})


def not_found(collection_id: str) -> Refused:
    # A collection the caller may not read answers exactly as a missing one.
    return Refused(
        f"コレクション {collection_id} はありません。",
        f"no collection {collection_id!r}",
        status=404,
    )
