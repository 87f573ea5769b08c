"""Vector tiles: `GET /tiles/{layers}/{z}/{x}/{y}.mvt`, their TileJSON, a MapLibre style and
the glyphs its labels are drawn with (`GET /tiles/glyphs/{fontstack}/{range}.pbf`).

`{layers}` is one registry layer id or several, comma-separated (`hazard,facility`): one
tile with one MVT layer each. Tiles anyone gets are public and cached (here and by
browsers and proxies); tiles showing a caller more (a group's patrols) are private and built
per request. The work is in layers/serving/tiles.py; the glyphs are files built at install
(api/serving/glyphs.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from api.addresses import public_base
from api.caching import matches
from api.negotiation import qualities
from api.params import LayerList
from api.permissions import Authorized, permit
from api.serving import glyphs, tile_documents
from layers.policy import Action, RowFilter
from layers.registry import Layer
from layers.serving import tiles
from layers.store.settings import get_settings

router = APIRouter(prefix="/tiles", tags=["tiles"])

TILEJSON = "application/json"


def _chosen(spec: str, auth: Authorized) -> tuple[tuple[Layer, ...], tuple[RowFilter | None, ...]]:
    return tiles.parse_layers(spec, auth.actor)


def _caching(layers: Sequence[Layer], public: bool) -> dict[str, str]:
    vary = ["Accept-Encoding"]
    if tiles.varies_by_caller(layers):
        # The same URL gives a group member more: a shared cache must tell callers apart.
        vary += ["Cookie", "Authorization"]
    control = f"public, max-age={get_settings().tile_max_age_s}" if public else "private, no-cache"
    return {"Cache-Control": control, "Vary": ", ".join(vary)}


def _accepts_gzip(header: str) -> bool:
    quality = qualities(header)
    return quality.get("gzip", quality.get("*", 0.0)) > 0


def _etag(value: str, gzipped: bool) -> str:
    # Strong validators differ per content-coding: the gzip bytes are another representation.
    return f'"{value}{"-gz" if gzipped else ""}"'


@router.get(
    "/style.json",
    summary="MapLibre スタイル / MapLibre style of the public layers",
    response_class=JSONResponse,
)
def style(request: Request, auth: Authorized = permit(Action.public_read)) -> JSONResponse:
    return JSONResponse(
        tile_documents.style(public_base(request)),
        headers={"Cache-Control": f"public, max-age={get_settings().tile_max_age_s}"},
    )


@router.get(
    "/glyphs/{fontstack}/{codepoints}.pbf",
    summary="ラベルの文字（グリフ） / Label glyphs (SDF PBF) for the MapLibre style",
    responses={
        200: {
            "content": {glyphs.MEDIA_TYPE: {}},
            "description": "256 code points, gzip when accepted",
        },
        304: {"description": "If-None-Match matched"},
    },
    response_class=Response,
)
def glyph_range(
    fontstack: str, codepoints: str, request: Request, auth: Authorized = permit(Action.public_read)
) -> Response:
    found = glyphs.glyph_range(fontstack, codepoints)
    gzipped = bool(found.gzipped) and _accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = _etag(found.etag, gzipped)
    headers = {"Cache-Control": glyphs.CACHE_CONTROL, "Vary": "Accept-Encoding", "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = found.gzipped if gzipped else found.body
    return Response(body, media_type=glyphs.MEDIA_TYPE, headers=headers)


@router.get(
    "/{layers}/tilejson.json",
    summary="TileJSON 3.0.0 / tileset description",
    response_class=JSONResponse,
)
def tilejson(
    layers: LayerList, request: Request, auth: Authorized = permit(Action.public_read)
) -> JSONResponse:
    chosen, filters = _chosen(layers, auth)
    body = tile_documents.tilejson(chosen, filters, public_base(request))
    headers = _caching(chosen, tiles.is_public(chosen, filters))
    return JSONResponse(body, media_type=TILEJSON, headers=headers)


@router.get(
    "/{layers}/{z}/{x}/{y}.mvt",
    summary="ベクトルタイル / Mapbox Vector Tile",
    responses={
        200: {"content": {tiles.MEDIA_TYPE: {}}, "description": "MVT, gzip when accepted"},
        204: {"description": "タイル内に地物なし / no features in this tile"},
        304: {"description": "If-None-Match matched"},
    },
    response_class=Response,
)
def tile(
    layers: LayerList,
    z: int,
    x: int,
    y: int,
    request: Request,
    clusters: Annotated[
        bool,
        Query(
            description="ズーム map_cluster_below_zoom 未満では地点を数えたクラスタ（MVT レイヤ "
            "clusters）で返す（公開地図用） / below the cluster zoom, points come as counted "
            "clusters in an MVT layer 'clusters' (the public map's tiles)"
        ),
    ] = False,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    chosen, filters = _chosen(layers, auth)
    tiles.check_tile(z, x, y)
    public = tiles.is_public(chosen, filters)
    gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = _caching(chosen, public)
    # Answer a revalidation from the in-process layer versions, without building the tile.
    etag = _etag(tiles.current_etag(chosen, z, x, y, filters, clusters), gzipped)
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={**headers, "ETag": etag})
    made = tiles.get_tile(chosen, z, x, y, filters, clusters)
    headers["ETag"] = _etag(made.etag, gzipped)
    if not made.gzipped:
        return Response(status_code=204, headers=headers)
    body: Any = made.gzipped
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    else:
        body = tiles.gunzip(made)
    return Response(body, media_type=tiles.MEDIA_TYPE, headers=headers)
