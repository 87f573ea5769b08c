"""Open311 answers in the spec's two formats, and every refusal in its error format.

The spec's XML is schemaless, without a namespace; its JSON is the same document with lists
as arrays (top-level lists are arrays too). Errors are a list of {code, description}, never
problem+json: Open311 clients parse nothing else. One rule maps our statuses onto the spec's:
400, 403 and 404 are the spec's own; 401 (a bad Bearer token), 405, 413, 429 and 5xx are
the transport's and pass through; every other refusal of the input (409, 422) is 400.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api.errors import refusal_of
from layers.store.refusals import Refused

FORMATS = ("xml", "json")
OPEN311_PREFIX = "/open311/"
CONSENT = "consent_publish"  # the one attribute every service asks (see service_definition)
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The element of each item of a list, by the list's element (the spec's XML).
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# XML 1.0 cannot carry these characters, escaped or not.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PASSED_THROUGH = frozenset({400, 401, 403, 404, 405, 413, 429})


def spec_status(status: int) -> int:
    return status if status in PASSED_THROUGH or status >= 500 else 400


def _element(name: str, value: object) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEMS[name], child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_INVALID.sub("", str(value))
    return element


def document(root: str, value: object, fmt: str) -> str:
    """``value`` (a dict, or a list of dicts) as JSON, or as XML under ``root``."""
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False)
    return XML_DECLARATION + ET.tostring(_element(root, value), encoding="unicode")


def rows_document(root: str, rows: str, fmt: str) -> str:
    """Rows the database gave as a JSON array: passed through as Open311 JSON, or written
    as the spec's XML under ``root`` (one element per row, one child per field)."""
    if fmt == "json":
        return rows
    return document(root, json.loads(rows), fmt)


def service_definition(code: str, en: bool) -> dict[str, object]:
    """Every service asks the same optional question: may the photos the reporter adds
    later (through their API token) be published after review."""
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": CONSENT,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": (
                    "May the city publish the photos you add to this report, after review?"
                    if en
                    else "この通報に追加する写真を、市の確認後に公開してよいですか。"
                ),
                "values": [
                    {"key": "true", "name": "Yes" if en else "はい"},
                    {"key": "false", "name": "No" if en else "いいえ"},
                ],
            }
        ],
    }


def reply(
    body: str, fmt: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An answer whose body PostgreSQL or document() has already written."""
    if fmt == "xml" and not body.startswith("<?xml"):
        body = XML_DECLARATION + body
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt], headers=headers)


def error_response(refusal: Refused, fmt: str) -> Response:
    """A refusal as the spec's error list: one {code, description} per mistake (every field
    of a form that failed, or the one reason), each description in Japanese and English."""
    status = spec_status(refusal.status)
    listed = refusal.extra.get("errors")
    if isinstance(listed, list) and listed:
        descriptions = [
            f"入力に誤りがあります（{e.get('location')}） / "
            f"invalid input ({e.get('location')}): {e.get('message')}"
            for e in listed
            if isinstance(e, dict)
        ]
    else:
        descriptions = [f"{refusal.message_ja} / {refusal.message_en}"]
    errors = [{"code": status, "description": d} for d in descriptions]
    headers = {"Cache-Control": "no-store", **(refusal.headers or {})}
    return reply(document("errors", errors, fmt), fmt, status=status, headers=headers)


def requested_format(request: Request) -> str:
    fmt = str(request.path_params.get("fmt", ""))
    return fmt if fmt in FORMATS else format_of_path(request.url.path)


def format_of_path(path: str) -> str:
    """The format an Open311 path asks for (its suffix), before routing has parsed it."""
    suffix = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return suffix if suffix in FORMATS else "json"


class Open311Route(APIRoute):
    """Refusals from anywhere in the route (permit(), validation, the layers) answered in
    the Open311 error format, in the format the path asked for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def open311_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                refusal = refusal_of(exc)
                if refusal is None:
                    raise
                return error_response(refusal, requested_format(request))

        return open311_handler
