"""/ogc/api: the OpenAPI 3.0 definition of the OGC endpoints, for the collections the caller
sees. GDAL and QGIS read the items parameters (limit bounds, filter-lang) from it, so every
parameter is written out in full under each collection's path, not as a $ref."""

from __future__ import annotations

from typing import Any

from api.openapi import constrain_requests, describe_refusals
from api.serving.ogc import documents as docs
from api.serving.ogc.requests import ITEMS_PARAMETERS
from layers.serving import features as fq


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


F = _query("f", "出力形式 / response format", {"type": "string", "enum": ["json", "html"]})
LANG = _query(
    "lang",
    "名称と HTML の言語 / language of titles and pages",
    {"type": "string", "enum": ["ja", "en"]},
)


MAPBOX_STYLE = "application/vnd.mapbox.style+json"
STYLE_F = _query(
    "f", "スタイルの形式 / style format", {"type": "string", "enum": ["mapbox", "json"]}
)


def _path(name: str, description: str, only: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "enum": [only]},
    }


MATRIX_SET = _path("tileMatrixSetId", "タイル行列集合 / tile matrix set", "WebMercatorQuad")
STYLE = _path("styleId", "スタイル ID / style id", "machimap")


def _items_parameters(crs: list[str], fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    uri = {"type": "string", "format": "uri", "enum": crs}
    return [
        _query(
            "limit",
            f"件数（1〜{fq.MAX_LIMIT}、範囲外は丸めます） / items per page (clamped)",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": fq.MAX_LIMIT,
                "default": fq.DEFAULT_LIMIT,
            },
            style="form",
            explode=False,
        ),
        _query(
            "offset", "開始位置 / items to skip", {"type": "integer", "minimum": 0, "default": 0}
        ),
        _query(
            "bbox",
            "範囲（既定は CRS84 の経度・緯度） / bounding box (CRS84 unless bbox-crs)",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            style="form",
            explode=False,
        ),
        _query("bbox-crs", "bbox の座標参照系 / CRS of bbox", {**uri, "default": fq.CRS84_URI}),
        _query("crs", "出力の座標参照系 / CRS of the response", {**uri, "default": fq.CRS84_URI}),
        _query(
            "datetime",
            "日時または期間（RFC 3339、'..' で開放） / instant or interval (RFC 3339, '..' open)",
            {"type": "string"},
        ),
        _query(
            "properties",
            "返す属性 / properties to return",
            {"type": "array", "items": {"type": "string"}},
            style="form",
            explode=False,
        ),
        _query(
            "sortby",
            "並べ替え（+項目 / -項目） / sort keys (+field, -field)",
            {"type": "array", "items": {"type": "string"}},
            style="form",
            explode=False,
        ),
        _query("filter", "CQL2 の条件式 / CQL2 filter", {"type": "string"}),
        _query(
            "filter-lang",
            "条件式の言語 / filter language",
            {
                "type": "string",
                # cql-text: the draft's name for cql2-text, the one GDAL looks for.
                "enum": ["cql2-text", "cql2-json", "cql-text"],
                "default": "cql2-text",
            },
        ),
        _query("filter-crs", "条件式の座標参照系 / CRS of filter geometries", uri),
        F,
        LANG,
        *fields,
    ]


# A per-field query parameter carries one value; for a list field it matches one element.
_FIELD_SCHEMA: dict[str, dict[str, Any]] = {
    **docs.FIELD_JSON_SCHEMA,
    "string[]": {"type": "string"},
}


def _responses(media_type: str, what: str) -> dict[str, Any]:
    # Refusals (4XX, 503) are added to every operation by describe_refusals.
    return {
        "200": {
            "description": what,
            "content": {media_type: {"schema": {"type": "object"}}, docs.HTML: {}},
        },
    }


def _get(summary: str, media_type: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": _responses(media_type, summary),
        }
    }


def document(base: str, views: list[fq.View], crs: list[str]) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": _get("ランディングページ / Landing page", docs.JSON, [F]),
        "/conformance": _get("適合クラス / Conformance", docs.JSON, [F]),
        "/api": _get("API 定義 / This API definition", docs.OPENAPI, []),
        "/collections": _get("コレクション一覧 / Collections", docs.JSON, [F]),
        "/tileMatrixSets": _get("タイル行列集合の一覧 / Tile matrix sets", docs.JSON, [F]),
        "/tileMatrixSets/{tileMatrixSetId}": _get(
            "タイル行列集合 / A tile matrix set", docs.JSON, [MATRIX_SET, F]
        ),
        "/tiles": _get("ベクトルタイルセット一覧 / Vector tilesets", docs.JSON, [F]),
        "/tiles/{tileMatrixSetId}": _get(
            "ベクトルタイルセット / The vector tileset", docs.JSON, [MATRIX_SET, F]
        ),
        "/styles": _get("スタイル一覧 / Styles", docs.JSON, [F]),
        "/styles/{styleId}": _get(
            "スタイル（MapLibre） / A style (MapLibre)", MAPBOX_STYLE, [STYLE, STYLE_F]
        ),
    }
    feature_id = {
        "name": "featureId",
        "in": "path",
        "required": True,
        "description": "地物の ID / feature id",
        "schema": {"type": "integer", "minimum": 1},
    }
    for v in views:
        name = v.id
        ja, en = docs.title(v, None, False), docs.title(v, None, True)
        per_field = [
            _query(f.name, f"{f.title_ja}が等しい / {f.title_en} equals", _FIELD_SCHEMA[f.type])
            for f in v.fields
            if f.name not in ITEMS_PARAMETERS
        ]
        paths[f"/collections/{name}"] = _get(f"{ja} / {en}", docs.JSON, [F])
        paths[f"/collections/{name}/items"] = _get(
            f"{ja}の地物 / {en}: features",
            docs.GEOJSON,
            _items_parameters(crs, per_field),
        )
        item_crs = _query(
            "crs",
            "出力の座標参照系 / CRS of the response",
            {"type": "string", "format": "uri", "enum": crs},
        )
        paths[f"/collections/{name}/items/{{featureId}}"] = _get(
            f"{ja}の地物 / {en}: one feature",
            docs.GEOJSON,
            [feature_id, item_crs, F, LANG],
        )
        paths[f"/collections/{name}/queryables"] = _get(
            f"{ja}の検索項目 / {en}: queryables", docs.SCHEMA_JSON, [F]
        )
        paths[f"/collections/{name}/schema"] = _get(
            f"{ja}のスキーマ / {en}: schema", docs.SCHEMA_JSON, [F]
        )
        paths[f"/collections/{name}/tiles"] = _get(
            f"{ja}のタイルセット一覧 / {en}: tilesets", docs.JSON, [F]
        )
        paths[f"/collections/{name}/tiles/{{tileMatrixSetId}}"] = _get(
            f"{ja}のタイルセット / {en}: tileset", docs.JSON, [MATRIX_SET, F]
        )
        paths[f"/collections/{name}/styles"] = _get(
            f"{ja}のスタイル一覧 / {en}: styles", docs.JSON, [F]
        )
        paths[f"/collections/{name}/styles/{{styleId}}"] = _get(
            f"{ja}のスタイル / {en}: style", MAPBOX_STYLE, [STYLE, STYLE_F]
        )
        paths[f"/collections/{name}/feature-schema"] = _get(
            f"{ja}の GeoJSON 地物のスキーマ / {en}: feature schema",
            docs.SCHEMA_JSON,
            [F],
        )
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "machimap OGC API - Features",
            "version": "1.0.0",
            "description": "市の地図データ / the city's map layers",
        },
        "servers": [{"url": f"{base}/ogc"}],
        "paths": paths,
    }
    return constrain_requests(describe_refusals(document))
