"""What every request must be before a route sees it, checked once at the edge:

- a body no larger than its route's limit, refused from Content-Length when declared and
  counted as it streams when not (chunked), so nothing oversized is held or spooled;
- no control characters (NUL above all: PostgreSQL text cannot hold it) in the path, the
  query, a form's fields or a JSON body's strings;
- JSON nested no deeper than a person or a program writes it (Python's parser recurses).

A refusal is the usual problem+json (or Open311's error list under /open311/), 400 or 413,
in Japanese and English. Routes reading multipart forms check their text fields with
``refuse_control_characters`` (the one string check), since photos hold any byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from api.reports.open311.formats import OPEN311_PREFIX, error_response, format_of_path
from layers.store.refusals import Refused
from layers.store.settings import Settings, get_settings

# C0 controls and DEL, but tab, line feed and carriage return, which text may hold.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters written as JSON escapes, with an even number of backslashes before
# the \u (an escaped backslash followed by "u0000" is not one).
JSON_CONTROL = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])")
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
JSON_MAX_DEPTH = 32
INSPECTED = ("application/json", "application/x-www-form-urlencoded")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that take photos: a whole report's photos, and a little for the fields.
UPLOADS = re.compile(
    r"^/api/(?:reports(?:/photo-location|/[^/]+/photos)?"
    r"|safety-maps/[^/]+/features/[^/]+/photos|patrols/[^/]+/observations)$"
)
# An inspection's photos (inspection_max_photos of them), and the form.
INSPECTION_UPLOAD = re.compile(r"^/api/inspections$")
# A GPS logger's file (or a zip of several) as patrols: up to gpx_max_bytes, and the form.
GPX_UPLOAD = re.compile(r"^/api/groups/[^/]+/patrols/gpx$")
OPEN311_MAX_BYTES = 64_000  # a form of text fields; photos are added through the API


def refuse_control_characters(value: str, where: str) -> None:
    """The one string check: 400 naming ``where`` when ``value`` holds a control
    character (tab, line feed and carriage return are text)."""
    found = CONTROL.search(value)
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        raise Refused(
            f"{where} に制御文字（{code}）が含まれています。",
            f"{where} contains a control character ({code})",
            status=400,
            type_="/problems/control-character",
            parameter=where,
        )


def body_limit(path: str, content_type: str, settings: Settings) -> int:
    """Photos come only as multipart forms to the routes that take them; anything else
    gets the plain limit, wherever it is sent."""
    if UPLOADS.match(path) and content_type.startswith("multipart/form-data"):
        return settings.photo_max_count * settings.photo_max_bytes + 1_000_000
    if INSPECTION_UPLOAD.match(path) and content_type.startswith("multipart/form-data"):
        return settings.inspection_max_photos * settings.photo_max_bytes + 1_000_000
    if GPX_UPLOAD.match(path) and content_type.startswith("multipart/form-data"):
        return settings.gpx_max_bytes + 1_000_000
    if path.startswith(OPEN311_PREFIX):
        return OPEN311_MAX_BYTES
    return settings.max_body_bytes


def too_large(limit: int) -> Refused:
    shown = f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"
    return Refused(
        f"送信データが大きすぎます（上限 {shown}）。",
        f"the request body is larger than {shown}",
        status=413,
        type_="/problems/too-large",
        limit_bytes=limit,
    )


def _check_target(scope: Scope) -> None:
    refuse_control_characters(scope.get("path", ""), "path")
    raw = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw, keep_blank_values=True):
        refuse_control_characters(name, "query")
        refuse_control_characters(value, name)
    refuse_control_characters(unquote(raw), "query")


def _json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, strings left out: counted with numpy over
    the bytes, never by a recursive parser."""
    skeleton = np.frombuffer(JSON_STRING.sub(b'""', body), dtype=np.uint8)
    steps = np.zeros(len(skeleton), dtype=np.int32)
    steps[(skeleton == ord("[")) | (skeleton == ord("{"))] = 1
    steps[(skeleton == ord("]")) | (skeleton == ord("}"))] = -1
    return int(np.cumsum(steps).max(initial=0))


def _check_body(content_type: str, body: bytes) -> None:
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        if b"\x00" in body or JSON_CONTROL.search(body):
            raise Refused(
                "JSON の文字列に制御文字が含まれています。",
                "a JSON string contains a control character",
                status=400,
                type_="/problems/control-character",
            )
        if _json_depth(body) > JSON_MAX_DEPTH:
            raise Refused(
                f"JSON の入れ子が深すぎます（{JSON_MAX_DEPTH}段まで）。",
                f"the JSON nests deeper than {JSON_MAX_DEPTH} levels",
                status=400,
            )
    elif content_type.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", errors="replace")
        for name, value in parse_qsl(text, keep_blank_values=True):
            refuse_control_characters(name, "form")
            refuse_control_characters(value, name)


@dataclass
class _Body:
    limit: int
    seen: int = 0
    exceeded: bool = False


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").lower()
        body = _Body(body_limit(path, content_type, get_settings()))
        try:
            _check_target(scope)
            declared = headers.get("content-length", "")
            if declared.isdecimal() and declared.isascii() and int(declared) > body.limit:
                raise too_large(body.limit)
            if scope["method"] in WRITES and content_type.startswith(INSPECTED):
                whole = await _read(receive, body)
                _check_body(content_type, whole)
                receive = _replay(whole, receive)
            else:
                receive = _counted(receive, body)
        except Refused as refusal:
            await _refuse(refusal, scope, receive, send)
            return
        await self.app(scope, receive, _instead_when_exceeded(body, scope, receive, send))


async def _read(receive: Receive, body: _Body) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        body.seen += len(chunk)
        if body.seen > body.limit:
            raise too_large(body.limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(whole: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": whole, "more_body": False}
        return await receive()  # the client's disconnect, when it comes

    return again


def _counted(receive: Receive, body: _Body) -> Receive:
    async def counting() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            body.seen += len(message.get("body", b""))
            if body.seen > body.limit:
                body.exceeded = True
                # Whatever the route does with this (a form parser may call it unreadable),
                # its answer is replaced by the 413 below.
                raise too_large(body.limit)
        return message

    return counting


def _instead_when_exceeded(body: _Body, scope: Scope, receive: Receive, send: Send) -> Send:
    replaced = False

    async def sending(message: Message) -> None:
        nonlocal replaced
        if replaced:
            return
        if body.exceeded and message["type"] == "http.response.start":
            replaced = True
            await _refuse(too_large(body.limit), scope, receive, send)
            return
        await send(message)

    return sending


async def _refuse(refusal: Refused, scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    if path.startswith(OPEN311_PREFIX):
        response = error_response(refusal, format_of_path(path))
    else:
        response = problem_response(refusal, path)
    await response(scope, receive, send)
