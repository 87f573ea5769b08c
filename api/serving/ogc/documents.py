"""The JSON documents of /ogc: landing page, conformance, collections, queryables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.media import GEOJSON as GEOJSON  # the OGC routes name it as documents.GEOJSON
from layers.serving import features as fq
from layers.serving.layer_metadata import LayerMetadata

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# A collection's schema (OGC API - Features Part 5, the properties themselves), and the
# link GDAL follows to the schema of one GeoJSON feature: GDAL (3.6 to 3.12) compares
# "describedBy" with exactly this case and reads the field types from the schema's
# "properties" member, as a GeoJSON feature has it.
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
DESCRIBED_BY = "describedBy"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
# Stored as SRID 4326 in longitude, latitude order (geo/crs.py): that is CRS84, the same
# datum as EPSG:4326 but east first. Saying EPSG:4326 would tell a client that copies the
# storage CRS to read the coordinates latitude first.
STORAGE_CRS = fq.CRS84_URI
PDL_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
TILESETS_VECTOR = _REL + "tilesets-vector"
TILING_SCHEME = _REL + "tiling-scheme"
TILING_SCHEMES = _REL + "tiling-schemes"
STYLES_REL = _REL + "styles"
# Only what is implemented and tested (tests/test_ogc.py).
CONFORMANCE = (
    _F1 + "core",
    _F1 + "geojson",
    _F1 + "html",
    _F1 + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables",
    _F3 + "queryables-query-parameters",
    _F3 + "filter",
    _F3 + "features-filter",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    _CQL2 + "basic-cql2",
    _CQL2 + "advanced-comparison-operators",
    _CQL2 + "case-insensitive-comparison",
    _CQL2 + "basic-spatial-functions",
    _CQL2 + "basic-spatial-functions-plus",
    _CQL2 + "spatial-functions",
    _CQL2 + "temporal-functions",
    _CQL2 + "array-functions",
    _CQL2 + "property-property",
    _CQL2 + "cql2-text",
    _CQL2 + "cql2-json",
    # OGC API - Tiles and - Styles (api/serving/ogc/tilesets.py).
    _TILES + "core",
    _TILES + "tileset",
    _TILES + "tilesets-list",
    _TILES + "dataset-tilesets",
    _TILES + "geodata-tilesets",
    _TILES + "mvt",
    _TILES + "oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    "http://www.opengis.net/spec/ogcapi-styles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-styles-1/1.0/conf/mapbox-style",
)

RECORDS_TITLE = "記録（パトロール・点検・通報） / Attached records"
RECORDS_NOTE = (
    '各地物の links にある rel="related" は、その地物に付いた記録（パトロール・点検・通報）'
    'の一覧（JSON）です。 / Each feature\'s links hold a rel="related" link to the records '
    "(patrols, inspections, reports) attached to it, as JSON."
)


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def landing(base: str, city: str | None) -> dict[str, Any]:
    ogc = f"{base}/ogc"
    where = f"{city}の" if city else ""
    return {
        "title": f"{where}地図データ（OGC API - Features） / machimap OGC API - Features",
        "description": (
            "市の公開レイヤ（地区・施設・危険箇所・通報など）を OGC API - Features で提供します。"
            " / The city's public map layers as OGC API - Features."
        ),
        "links": [
            link(ogc, "self", JSON, "このページ / this document"),
            link(f"{ogc}?f=html", "alternate", HTML, "HTML"),
            link(f"{ogc}/api", "service-desc", OPENAPI, "API 定義 / API definition (OpenAPI 3.0)"),
            link(f"{ogc}/docs", "service-doc", HTML, "API リファレンス / API reference"),
            link(f"{ogc}/conformance", "conformance", JSON, "適合クラス / Conformance classes"),
            link(f"{ogc}/collections", "data", JSON, "コレクション / Collections"),
            link(f"{ogc}/tiles", TILESETS_VECTOR, JSON, "ベクトルタイル / Vector tilesets"),
            link(f"{ogc}/tileMatrixSets", TILING_SCHEMES, JSON, "タイル行列集合 / Tiling schemes"),
            link(f"{ogc}/styles", STYLES_REL, JSON, "地図スタイル / Styles"),
        ],
    }


def conformance(base: str) -> dict[str, Any]:
    return {
        "conformsTo": list(CONFORMANCE),
        "links": [link(f"{base}/ogc/conformance", "self", JSON)],
    }


def title(v: fq.View, meta: LayerMetadata | None, english: bool) -> str:
    """The collection's title: the layer's (as curated), and which geometry part it is."""
    if english:
        name = meta.title_en if meta else v.layer.title_en
        return name if v.part is None else f"{name} ({v.part.title_en})"
    name = meta.title_ja if meta else v.layer.title_ja
    return name if v.part is None else f"{name}（{v.part.title_ja}）"


def collection(
    base: str,
    v: fq.View,
    meta: LayerMetadata | None,
    extent: fq.Extent,
    crs: tuple[fq.Crs, ...],
    english: bool,
) -> dict[str, Any]:
    layer = v.layer
    url = f"{base}/ogc/collections/{v.id}"
    description = (meta.description if meta else None) or layer.description
    licence = (meta.licence if meta else None) or layer.licence
    attribution = (meta.attribution if meta else None) or layer.attribution
    other_title = title(v, meta, not english)
    links = [
        link(url, "self", JSON),
        link(f"{url}?f=html", "alternate", HTML),
        link(f"{url}/items", "items", GEOJSON, "地物 / Features (GeoJSON)"),
        link(f"{url}/items?f=html", "items", HTML, "地物 / Features (HTML)"),
        link(f"{url}/queryables", QUERYABLES_REL, SCHEMA_JSON, "検索できる項目 / Queryables"),
        link(f"{url}/schema", SCHEMA_REL, SCHEMA_JSON, "スキーマ / Schema"),
        link(f"{url}/feature-schema", DESCRIBED_BY, SCHEMA_JSON, "地物のスキーマ / Feature schema"),
        link(f"{url}/tiles", TILESETS_VECTOR, JSON, "ベクトルタイル / Vector tilesets"),
        link(f"{url}/styles", STYLES_REL, JSON, "地図スタイル / Styles"),
    ]
    if licence.startswith("公共データ利用規約"):
        links.append(link(PDL_URL, "license", HTML, licence))
    out: dict[str, Any] = {
        "id": v.id,
        "title": title(v, meta, english),
        "description": f"{description} / {other_title}. {RECORDS_NOTE}",
        "itemType": "feature",
        # An extension naming the one geometry type of every feature (the schema says it
        # too, as a format), so a reader of this document need not open the schema.
        "geometryType": v.geometry_type,
        "crs": [c.uri for c in crs],
        "storageCrs": STORAGE_CRS,
        "license": licence,
        # 出典: what the licence asks anyone showing the data to credit (as TileJSON says it).
        **({"attribution": f"出典：{attribution}"} if attribution else {}),
        "links": links,
    }
    spatial: dict[str, Any] = {}
    if extent.bbox is not None:
        spatial = {"spatial": {"bbox": [list(extent.bbox)], "crs": fq.CRS84_URI}}
    if extent.interval is not None:
        start, end = extent.interval
        spatial["temporal"] = {
            "interval": [[start.isoformat() if start else None, end.isoformat() if end else None]],
            "trs": GREGORIAN,
        }
    if spatial:
        out["extent"] = spatial
    return out


def collections(base: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"{base}/ogc/collections"
    return {
        "links": [link(url, "self", JSON), link(f"{url}?f=html", "alternate", HTML)],
        "collections": items,
    }


FIELD_JSON_SCHEMA: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "string[]": {"type": "array", "items": {"type": "string"}},
}


def geometry_format(geometry_type: str) -> str:
    kind = geometry_type.lower()
    return "geometry-any" if kind == "geometry" else f"geometry-{kind}"


def queryables(base: str, v: fq.View, english: bool) -> dict[str, Any]:
    """A JSON Schema of the properties a filter may use: the caller's visible fields only."""
    return _properties_schema(f"{base}/ogc/collections/{v.id}/queryables", v, english)


def schema(base: str, v: fq.View, english: bool) -> dict[str, Any]:
    """The features' schema (OGC API - Features Part 5): the geometry type and the type and
    title of every property the caller can read. GDAL and QGIS take field types from it
    instead of guessing from the first page (a count null there would become a string)."""
    doc = _properties_schema(f"{base}/ogc/collections/{v.id}/schema", v, english)
    doc["properties"] = {
        "id": {"title": "ID", "type": "integer", "x-ogc-role": "id", "readOnly": True},
        **doc["properties"],
    }
    return doc


def feature_schema(base: str, v: fq.View, english: bool) -> dict[str, Any]:
    """The same properties as the JSON Schema of one GeoJSON feature of the collection."""
    logical = schema(base, v, english)
    geometry = logical["properties"].pop(fq.GEOMETRY)
    feature_id = logical["properties"].pop("id")
    return {
        "$schema": logical["$schema"],
        "$id": f"{base}/ogc/collections/{v.id}/feature-schema",
        "title": logical["title"],
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {key: val for key, val in feature_id.items() if key != "x-ogc-role"},
            "geometry": {**geometry, "type": ["object", "null"]},
            "properties": {"type": "object", "properties": logical["properties"]},
        },
    }


def _properties_schema(url: str, v: fq.View, english: bool) -> dict[str, Any]:
    layer = v.layer
    props: dict[str, Any] = {
        fq.GEOMETRY: {
            "title": "Geometry" if english else "図形",
            "description": "図形 / Geometry",
            "format": geometry_format(v.geometry_type),
            "x-ogc-role": "primary-geometry",
        }
    }
    for f in v.fields:
        schema: dict[str, Any] = {
            "title": f.title_en if english else f.title_ja,
            "description": f"{f.title_ja} / {f.title_en}",
            **FIELD_JSON_SCHEMA[f.type],
        }
        if f.choices is not None and f.type == "string":
            schema["enum"] = [c.value for c in f.choices]
        if f.name == layer.temporal_field:
            schema["x-ogc-role"] = "primary-instant"
        props[f.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": title(v, None, english),
        "properties": props,
        "additionalProperties": False,
    }
