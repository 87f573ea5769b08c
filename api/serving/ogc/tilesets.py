"""OGC API - Tiles and - Styles documents under /ogc: the vector tiles (/tiles) and the
MapLibre style (/tiles/style.json) described so GDAL's OGCAPI driver and QGIS find them from
the landing page or a collection, without a hand-typed tile URL.

The tiles are the existing ones: a tileset's "item" link is the /tiles URL template with the
OGC variable names. A collection that is one geometry part of a mixed layer (hazard_points)
points at its layer's tiles, in which the layer's points, lines and areas travel together
(vector tiles hold mixed geometries; the style draws each kind)."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from api.serving import tile_documents
from api.serving.ogc.documents import FIELD_JSON_SCHEMA, JSON, TILING_SCHEME, link
from geo import tiles as tms
from layers.registry import Field, Layer
from layers.serving import features as fq
from layers.serving import tiles
from layers.store.settings import get_settings

MVT = tiles.MEDIA_TYPE
MAPBOX_STYLE = "application/vnd.mapbox.style+json"
STYLE_ID = "machimap"
# The world in longitude/latitude, as far as WebMercatorQuad reaches.
WORLD = (-180.0, -tms.MAX_LATITUDE, 180.0, tms.MAX_LATITUDE)


def max_zoom() -> int:
    # As TileJSON says: tiles are made deeper, but clients overzoom from here.
    return min(tiles.ADVERTISED_MAX_ZOOM, get_settings().tile_max_zoom)


def matrix_sets(base: str) -> dict[str, Any]:
    url = f"{base}/ogc/tileMatrixSets"
    return {
        "links": [link(url, "self", JSON)],
        "tileMatrixSets": [
            {
                "id": tms.ID,
                "title": "Google Maps Compatible for the World",
                "uri": tms.URI,
                "links": [link(f"{url}/{tms.ID}", "self", JSON, tms.ID)],
            }
        ],
    }


def matrix_set(base: str) -> dict[str, Any]:
    doc = tms.definition(max_zoom())
    doc["links"] = [link(f"{base}/ogc/tileMatrixSets/{tms.ID}", "self", JSON)]
    return doc


def _template(base: str, layers: Sequence[Layer]) -> str:
    spec = ",".join(layer.id for layer in layers)
    return f"{base}/tiles/{spec}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}.mvt"


def _tileset_summary(url: str, title: str, base: str) -> dict[str, Any]:
    return {
        "title": title,
        "dataType": "vector",
        "crs": tms.CRS,
        "tileMatrixSetURI": tms.URI,
        "links": [
            link(f"{url}/{tms.ID}", "self", JSON, title),
            link(f"{base}/ogc/tileMatrixSets/{tms.ID}", TILING_SCHEME, JSON, tms.ID),
        ],
    }


def tilesets(base: str, url: str, title: str) -> dict[str, Any]:
    """The tilesets list of the dataset (/ogc/tiles) or a collection: one, WebMercatorQuad."""
    return {"links": [link(url, "self", JSON)], "tilesets": [_tileset_summary(url, title, base)]}


def tileset(
    base: str,
    url: str,
    title: str,
    layers: Sequence[tuple[Layer, str, str | None]],
    bbox: tuple[float, float, float, float] | None,
    attribution: str | None,
) -> dict[str, Any]:
    """One tileset: its tile URL template, the tile matrices it has data in and the layers
    its tiles carry (``layers``: registry layer, title, the geometry type when one)."""
    top = max_zoom()
    box = bbox or WORLD
    doc: dict[str, Any] = {
        "title": title,
        "dataType": "vector",
        "crs": tms.CRS,
        "tileMatrixSetURI": tms.URI,
        "tileMatrixSetLimits": tms.limits(box, 0, top),
        "boundingBox": {
            "lowerLeft": [box[0], box[1]],
            "upperRight": [box[2], box[3]],
            "crs": fq.CRS84_URI,
        },
        "layers": [
            {
                "id": layer.id,
                "title": layer_title,
                "dataType": "vector",
                **({"geometryDimension": _DIMENSION[kind]} if kind in _DIMENSION else {}),
                "minTileMatrix": "0",
                "maxTileMatrix": str(top),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        f.name: {"title": f"{f.title_ja} / {f.title_en}", "type": _mvt_type(f)}
                        for f in layer.public_fields
                    },
                },
            }
            for layer, layer_title, kind in layers
        ],
        "links": [
            link(url, "self", JSON, title),
            link(f"{base}/ogc/tileMatrixSets/{tms.ID}", TILING_SCHEME, JSON, tms.ID),
            {
                **link(_template(base, [layer for layer, _, _ in layers]), "item", MVT, title),
                "templated": True,
            },
        ],
    }
    if attribution:
        doc["attribution"] = attribution
    return doc


_DIMENSION = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}


def _mvt_type(f: Field) -> str:
    # As the features' schema says, but a list travels in a tile as one string.
    return "string" if f.type == "string[]" else str(FIELD_JSON_SCHEMA[f.type]["type"])


# --- OGC API - Styles -----------------------------------------------------------------------


def styles(url: str, title: str) -> dict[str, Any]:
    """The styles list: one MapLibre (Mapbox GL) style."""
    return {
        "default": STYLE_ID,
        "links": [link(url, "self", JSON)],
        "styles": [
            {
                "id": STYLE_ID,
                "title": title,
                "links": [
                    link(f"{url}/{STYLE_ID}?f=mapbox", "stylesheet", MAPBOX_STYLE, title),
                ],
            }
        ],
    }


_GEOMETRY_WORDS = {"points": "Point", "lines": "LineString", "areas": "Polygon"}


def collection_style(base: str, v: fq.View) -> dict[str, Any]:
    """The public style cut to one collection: its layer's tiles only and, for a geometry
    part of a mixed layer, only the style layers that draw that kind of geometry."""
    whole = copy.deepcopy(tile_documents.style(base))
    source = whole["sources"]["machimap"]
    source["tiles"] = [tile_documents.tiles_url(base, [v.layer])]
    word = _GEOMETRY_WORDS.get(v.part.suffix) if v.part is not None else None

    def keep(style_layer: dict[str, Any]) -> bool:
        source = whole["sources"].get(style_layer.get("source"), {})
        if source.get("type") != "vector":
            return True  # background and basemap
        if style_layer.get("source-layer") != v.layer.id:
            return False
        wanted = style_layer.get("filter")
        return word is None or wanted is None or word in json.dumps(wanted)

    whole["layers"] = [s for s in whole["layers"] if keep(s)]
    whole["name"] = f"machimap: {v.id}"
    whole["metadata"] = {"machimap:layers": [v.layer.id]}
    return whole
