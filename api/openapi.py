"""The OpenAPI document describes what clients send and get, all of it: the bodies routes
read themselves (JSON or the same fields as a form, photos as multipart), and the refusals
every operation may answer with (problem+json; Open311's error list on its routes).
A fuzzer reads this document, so what it leaves out is never tried."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from api.guard import CONTROL

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


# What api.guard refuses in every string a request carries, as a schema pattern (anchored:
# JSON Schema patterns search). CONTROL's class, negated.
_CONTROLS = CONTROL.pattern[1:-1]
TEXT_PATTERN = f"^[^{_CONTROLS}]*$"
# Text with something in it: at least one character that is neither space nor control.
WORDS_PATTERN = f"^[^{_CONTROLS}]*[^\\s{_CONTROLS}][^{_CONTROLS}]*$"
_NOT_TEXT = {"binary", "byte"}


def _constrain(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    """States the limit api.guard applies to every string a request carries, names included:
    no control characters. What the document calls valid is then what the guard lets by."""
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _constrain(components.get(name), components, seen)
        return
    kind = schema.get("type")
    free = not {"pattern", "enum", "const"} & schema.keys()
    if kind == "string" and free and schema.get("format") not in _NOT_TEXT:
        schema["pattern"] = TEXT_PATTERN
    if kind == "object" or "properties" in schema:
        schema.setdefault("propertyNames", {"pattern": TEXT_PATTERN})
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in schema.get(key, []):
            _constrain(part, components, seen)
    for key in ("items", "additionalProperties", "not"):
        _constrain(schema.get(key), components, seen)
    for part in schema.get("properties", {}).values():
        _constrain(part, components, seen)


def constrain_requests(document: dict[str, Any]) -> dict[str, Any]:
    """_constrain over everything a request carries: parameters and bodies. On a copy:
    documents are built from shared pieces (field schemas the queryables use too)."""
    document = copy.deepcopy(document)
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _constrain(parameter.get("schema"), components, seen)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _constrain(content.get("schema"), components, seen)
    return document


def _open311_formats(responses: dict[str, Any]) -> None:
    """Every Open311 answer comes as the path's suffix asks: .json or .xml."""
    for status, response in responses.items():
        content = response.get("content")
        if status.startswith("2") and content and "text/xml" not in content:
            content["text/xml"] = {"schema": {}}


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
            if path.startswith("/open311/"):
                _open311_formats(responses)
    return document


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = constrain_requests(describe_refusals(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
