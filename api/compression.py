"""Compressed answers: brotli or gzip for what the route did not compress itself.

JSON, GeoJSON and HTML answers shrink twenty- to thirtyfold (a page of hazards: 39.9 KB,
2.2 KB gzipped, less with brotli), which on a phone is most of the wait. The coding follows
the request's Accept-Encoding with its q-values: brotli where accepted (as browsers do over
HTTPS and on localhost), else gzip, else the bytes as they are; a coding refused with q=0 is
never sent. What is compressed already (tiles, glyphs, built assets with their .gz/.br files,
photos) passes through untouched: an answer with a Content-Encoding or a compressed media
type is skipped, and so is one under MINIMUM_SIZE.

A streamed answer is compressed chunk by chunk, each chunk flushed as it comes, so
compressing never holds a stream back (server-sent events are skipped altogether).

A strong ETag names one exact byte sequence; when an answer whose route set a strong ETag
for the uncompressed bytes is compressed here, the ETag is made weak (as nginx does), so a
cache never pairs the compressed bytes with the identity ones. Routes that compress
themselves (tiles) give each coding its own strong ETag and are left alone."""

from __future__ import annotations

import zlib
from typing import Protocol

import anyio.to_thread
import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.negotiation import qualities

MINIMUM_SIZE = 1024  # below a packet or two, compressing gains nothing
GZIP_LEVEL = 6  # zlib's default: nearly level 9's size at a third of the time
# Measured on the demo city's hazard pages (52 KB and 371 KB of GeoJSON): quality 4 gives
# 2.4 KB / 12.7 KB in 0.4 / 1.8 ms, smaller than gzip 6 (2.7 KB / 14.2 KB, 0.3 / 2.7 ms);
# quality 5 is 4–8 % smaller for two to three times the time, and 11 (the built assets'
# quality) takes 200 ms to a second. Two cores serve everything, so 4.
BROTLI_QUALITY = 4
# Bodies this large are compressed in a worker thread, not on the event loop.
THREAD_MINIMUM_SIZE = 128 * 1024
# Preference among equal q-values: brotli first (smaller at the same cost).
CODINGS = ("br", "gzip")
EXCLUDED_TYPES = frozenset(DEFAULT_EXCLUDED_CONTENT_TYPES)


def chosen_coding(accept_encoding: str) -> str | None:
    """The content-coding to send, by the request's q-values (RFC 9110 §12.5.3); None for
    the bytes as they are."""
    offered = qualities(accept_encoding)
    wildcard = offered.get("*", 0.0)
    best, best_q = None, 0.0
    for coding in CODINGS:
        q = offered.get(coding, wildcard)
        if q > best_q:
            best, best_q = coding, q
    return best


class _Encoder(Protocol):
    def chunk(self, body: bytes, final: bool) -> bytes: ...


class _Brotli:
    def __init__(self) -> None:
        self.compressor = brotli.Compressor(quality=BROTLI_QUALITY)

    def chunk(self, body: bytes, final: bool) -> bytes:
        out: bytes = self.compressor.process(body)
        tail: bytes = self.compressor.finish() if final else self.compressor.flush()
        return out + tail


class _Gzip:
    def __init__(self) -> None:
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def chunk(self, body: bytes, final: bool) -> bytes:
        out = self.compressor.compress(body)
        return out + self.compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


ENCODERS: dict[str, type[_Encoder]] = {"br": _Brotli, "gzip": _Gzip}


def _passes_untouched(start: Message) -> bool:
    headers = Headers(raw=start["headers"])
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return (
        "content-encoding" in headers
        or start["status"] in (204, 206, 304)
        or media_type in EXCLUDED_TYPES
        or media_type.partition("/")[0] + "/*" in EXCLUDED_TYPES
    )


def _mark_varying(headers: MutableHeaders) -> None:
    names = [n.strip() for n in headers.get("vary", "").split(",") if n.strip()]
    if "accept-encoding" not in (n.lower() for n in names):
        names.append("Accept-Encoding")
    headers["vary"] = ", ".join(dict.fromkeys(names))


async def _encode(encoder: _Encoder, body: bytes, final: bool) -> bytes:
    if len(body) >= THREAD_MINIMUM_SIZE:
        return await anyio.to_thread.run_sync(encoder.chunk, body, final)
    return encoder.chunk(body, final)


class Compression:
    """Brotli or gzip for clients that accept it; see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding = chosen_coding(Headers(scope=scope).get("accept-encoding", ""))
        start: Message = {}
        untouched = False
        encoder: _Encoder | None = None
        started = False

        async def compressing(message: Message) -> None:
            nonlocal start, untouched, encoder, started
            kind = message["type"]
            if kind == "http.response.start":
                start = message
                start.setdefault("headers", [])
                untouched = _passes_untouched(start)
                if untouched:
                    await send(start)
                return
            if untouched or kind != "http.response.body":
                if not untouched and not started and kind == "http.response.pathsend":
                    await send(start)  # a file sent by path cannot be compressed on the way
                    started = True
                await send(message)
                return
            body: bytes = message.get("body", b"")
            final = not message.get("more_body", False)
            if started:
                if encoder is not None:
                    message["body"] = await _encode(encoder, body, final)
                await send(message)
                return
            started = True
            if final and len(body) < MINIMUM_SIZE:
                await send(start)
                await send(message)
                return
            headers = MutableHeaders(raw=start["headers"])
            _mark_varying(headers)
            if coding is not None:
                encoder = ENCODERS[coding]()
                message["body"] = await _encode(encoder, body, final)
                headers["content-encoding"] = coding
                etag = headers.get("etag", "")
                if etag.startswith('"'):
                    headers["etag"] = "W/" + etag
                if final and not start.get("trailers", False):
                    headers["content-length"] = str(len(message["body"]))
                elif "content-length" in headers:
                    del headers["content-length"]
            await send(start)
            await send(message)

        await self.app(scope, receive, compressing)
