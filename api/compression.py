"""Compressed answers: Starlette's GZipMiddleware, with the validators kept honest.

JSON and HTML answers shrink about twentyfold (a page of hazards: 39.9 KB, 2.2 KB gzipped),
which on a phone is most of the wait. What is compressed already (tiles, glyphs, built
assets with their .gz/.br files, photos) passes through untouched: the middleware skips an
answer that has a Content-Encoding or a compressed media type.

A strong ETag names one exact byte sequence; when the middleware compresses an answer whose
route set a strong ETag for the uncompressed bytes, the ETag is made weak (as nginx does), so
a cache never pairs the gzip bytes with the identity ones. Routes that compress themselves
(tiles) give each coding its own strong ETag and are left alone."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 1024  # below a packet or two, compressing gains nothing
LEVEL = 6  # zlib's default: nearly level 9's size at a third of the time
_UNENCODED_ETAG = "machimap.unencoded_etag"


class _NoteUnencodedETag:
    """Inside the gzip middleware: remembers that the route's answer carried a strong ETag
    and no Content-Encoding of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message.setdefault("headers", []))
                etag = headers.get("etag", "")
                if etag.startswith('"') and "content-encoding" not in headers:
                    scope.setdefault("state", {})[_UNENCODED_ETAG] = True
            await send(message)

        await self.app(scope, receive, noting)


class Compression:
    """GZip for clients that accept it; see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.gzip = GZipMiddleware(_NoteUnencodedETag(app), MINIMUM_SIZE, LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.gzip(scope, receive, send)
            return

        async def weakening(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message.setdefault("headers", []))
                noted = scope.get("state", {}).get(_UNENCODED_ETAG, False)
                if noted and "content-encoding" in headers and "etag" in headers:
                    headers["etag"] = "W/" + headers["etag"]
                if "vary" in headers:  # the middleware appends Accept-Encoding once more
                    names = [n.strip() for n in headers["vary"].split(",") if n.strip()]
                    headers["vary"] = ", ".join(dict.fromkeys(names))
            await send(message)

        await self.gzip(scope, receive, weakening)
