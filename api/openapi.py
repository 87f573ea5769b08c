"""The OpenAPI document describes what clients send and get, all of it: the bodies routes
read themselves (JSON or the same fields as a form, photos as multipart), and the refusals
every operation may answer with (problem+json; Open311's error list on its routes).
A fuzzer reads this document, so what it leaves out is never tried."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

PROBLEM = "application/problem+json"
# RFC 9457 with the Japanese members every refusal carries; kinds add members of their own
# (parameter, errors, limit_bytes ...).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail", "detail_ja"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "detail_ja": {"type": "string"},
        "title_ja": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
OPEN311_ERRORS: dict[str, Any] = {
    "title": "Open311Errors",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its $defs put in place: the schema is embedded in an
    operation, where '#/$defs/…' would point at the document's root."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(definitions[ref.removeprefix("#/$defs/")]))
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def body(
    model: type[BaseModel],
    *,
    required: bool = True,
    files: dict[str, int] | None = None,
    json: bool = True,
) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model`` itself (api.forms.json_or_form):
    JSON, or the same fields form-encoded; with ``files`` (name: how many at most), also a
    multipart form carrying them."""
    schema = _inline(model.model_json_schema())
    content: dict[str, Any] = {}
    if json:
        content["application/json"] = {"schema": schema}
    form = copy.deepcopy(schema)
    content["application/x-www-form-urlencoded"] = {"schema": form}
    if files:
        multipart = copy.deepcopy(schema)
        for name, most in files.items():
            multipart.setdefault("properties", {})[name] = {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "maxItems": most,
            }
        content["multipart/form-data"] = {"schema": multipart}
    return {"requestBody": {"required": required, "content": content}}


def upload(name: str, most: int, *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a multipart form of photo files only."""
    files = {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": most}
    schema = {"type": "object", "properties": {name: files}, "required": [name]}
    return {
        "requestBody": {
            "required": required,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def _refusals(path: str) -> dict[str, Any]:
    if path.startswith("/open311/"):
        errors = {"$ref": "#/components/schemas/Open311Errors"}
        content = {"application/json": {"schema": errors}, "text/xml": {"schema": {}}}
        described = "Open311 の誤りの一覧 / the Open311 error list"
    else:
        content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        described = "問題の詳細（日本語・英語） / a problem, in Japanese and English"
    return {
        "4XX": {"description": described, "content": content},
        "503": {
            "description": "一時的に利用できません / temporarily unavailable (Retry-After)",
            "content": content,
        },
    }


def describe_refusals(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation answers refusals in one documented shape. FastAPI's own 422 entry
    goes: invalid parameters are answered 400 with a problem (api.errors)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["Open311Errors"] = OPEN311_ERRORS
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.update(_refusals(path))
    return document


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_refusals(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
