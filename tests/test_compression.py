"""Compressed answers (api/compression.py) and revalidated catalogues (api/caching.py): a
phone moves a twentieth of the bytes, in the best coding it accepts, and caches never mix
codings under one strong ETag."""

from __future__ import annotations

import gzip
import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import brotli
import pytest
from starlette.responses import StreamingResponse
from starlette.types import Message

from api.compression import Compression, chosen_coding
from tests.conftest import new_client

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
HAZARDS = "/ogc/collections/hazard_points/items?limit=100"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


def _wire(client: Any, url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The bytes as sent (not decoded by the client) and the answer's headers."""
    with client.stream("GET", url, headers=headers) as answer:
        assert answer.status_code == 200, (url, answer.status_code)
        return b"".join(answer.iter_raw()), {k.lower(): v for k, v in answer.headers.items()}


def _without_timestamp(body: bytes) -> Any:
    document = json.loads(body)
    document.pop("timeStamp", None)  # the moment of the answer, the one field that moves
    return document


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=0, br;q=0, *", None),
        ("*;q=0", None),
        ("identity", None),
        ("", None),
        ("*", "br"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("GZIP;Q=0.8, BR;q=0.8", "br"),
    ],
)
def test_the_coding_follows_the_q_values(accept: str, coding: str | None) -> None:
    assert chosen_coding(accept) == coding


def test_json_answers_are_brotli_for_browsers_and_gzip_for_others(demo_url: str) -> None:
    client = new_client()
    plain = client.get(HAZARDS, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    sizes = {}
    for headers, coding in ((BROWSER, "br"), (GZIP, "gzip")):
        wire, got = _wire(client, HAZARDS, headers)
        assert got["content-encoding"] == coding
        assert got["vary"].lower().count("accept-encoding") == 1
        assert int(got["content-length"]) == len(wire)
        # The same features, in a fifth of the bytes or less.
        assert _without_timestamp(DECODE[coding](wire)) == _without_timestamp(plain.content)
        assert len(wire) * 5 < len(plain.content), (coding, len(wire), len(plain.content))
        sizes[coding] = len(wire)
    assert sizes["br"] < sizes["gzip"], sizes


@pytest.mark.parametrize(
    "url", ["/api/report-categories", "/ogc?f=html", "/ogc/collections?f=json", "/openapi.json"]
)
def test_decoded_bytes_equal_the_identity_bytes(demo_url: str, url: str) -> None:
    client = new_client()
    plain = client.get(url, headers=IDENTITY)
    assert plain.status_code == 200 and len(plain.content) >= 1024, (url, len(plain.content))
    for headers, coding in ((BROWSER, "br"), (GZIP, "gzip")):
        wire, got = _wire(client, url, headers)
        assert got["content-encoding"] == coding, url
        assert DECODE[coding](wire) == plain.content, (url, coding)


def test_refused_codings_are_never_sent(demo_url: str) -> None:
    client = new_client()
    wire, got = _wire(client, HAZARDS, {"Accept-Encoding": "br;q=0, gzip;q=0.5"})
    assert got["content-encoding"] == "gzip"
    gzip.decompress(wire)
    for refusal in ("gzip;q=0", "br;q=0, gzip;q=0", "*;q=0", "identity"):
        wire, got = _wire(client, HAZARDS, {"Accept-Encoding": refusal})
        assert "content-encoding" not in got, refusal
        assert json.loads(wire)["type"] == "FeatureCollection", refusal
        assert "accept-encoding" in got["vary"].lower(), refusal  # it would vary with another


def test_head_says_what_get_would_send_without_a_body(demo_url: str) -> None:
    client = new_client()
    for headers, coding in ((BROWSER, "br"), (GZIP, "gzip")):
        wire, _ = _wire(client, "/api/report-categories", headers)
        head = client.head("/api/report-categories", headers=headers)
        assert head.status_code == 200
        assert head.headers["content-encoding"] == coding
        assert int(head.headers["content-length"]) == len(wire)
        assert head.content == b""


def test_what_is_compressed_already_is_left_alone(demo_url: str) -> None:
    client = new_client()
    tilejson = client.get("/tiles/facility/tilejson.json").json()
    url = tilejson["tiles"][0].replace("https://testserver", "").format(z=0, x=0, y=0)
    for headers in (GZIP, BROWSER):
        tile = client.get(url, headers=headers)
        assert tile.status_code == 200
        # The route gzips tiles itself and names the coding in its strong ETag.
        assert tile.headers["content-encoding"] == "gzip"
        assert tile.headers["etag"].endswith('-gz"') and not tile.headers["etag"].startswith("W/")
    page = client.get("/", headers=BROWSER)  # built at set-up, brotli at quality 11
    assert page.headers["content-encoding"] == "br"
    assert page.headers["etag"].startswith('"')  # the route's own choice, not weakened here
    small = client.get("/health/live", headers=BROWSER)
    assert "content-encoding" not in small.headers  # too small to gain anything


def test_catalogues_are_revalidated_with_an_etag(demo_url: str) -> None:
    client = new_client()
    for url in ("/api/report-categories", "/api/layers", "/api/reports/vocabulary"):
        first = client.get(url, headers=IDENTITY)
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
        etag = first.headers["etag"]
        assert etag.startswith('"'), url
        again = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", url
        for headers, coding in ((BROWSER, "br"), (GZIP, "gzip")):
            packed = client.get(url, headers=headers)
            if packed.headers.get("content-encoding") == coding:
                # Another byte sequence: the strong tag of the identity bytes is made weak.
                assert packed.headers["etag"] == f"W/{etag}", url
            revalidate = client.get(
                url, headers={**headers, "If-None-Match": packed.headers["etag"]}
            )
            assert revalidate.status_code == 304, url
            assert revalidate.content == b"", url
            assert "content-encoding" not in revalidate.headers, url
    categories = client.get("/api/report-categories", headers=BROWSER)
    assert categories.headers["content-encoding"] == "br"


async def _streamed(coding: str) -> list[Message]:
    """A streamed answer through the middleware; the stream's second chunk is produced only
    once the first has been sent, as a slow database cursor would."""
    sent: list[Message] = []

    async def chunks() -> Any:
        yield b'{"features": [' + b"1," * 1000
        assert sent[-1]["type"] == "http.response.body", "the first chunk was held back"
        yield b"2" * 1000 + b"]}"

    app = Compression(StreamingResponse(chunks(), media_type="application/json"))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", coding.encode())],
    }

    async def receive() -> Message:
        await anyio.sleep_forever()  # the client stays until the answer ends
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_stream_is_compressed_chunk_by_chunk_without_holding_it_back(coding: str) -> None:
    # In a thread of its own: the browser tests' Playwright keeps an event loop running in
    # this one, and anyio.run refuses to start a second.
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(anyio.run, _streamed, coding).result()
    start, *bodies = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert headers["content-encoding"] == coding
    assert "content-length" not in headers
    if coding == "br":
        decoder = brotli.Decompressor()
        first = decoder.process(bodies[0]["body"])
        rest = b"".join(decoder.process(b["body"]) for b in bodies[1:])
    else:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        first = inflater.decompress(bodies[0]["body"])
        rest = b"".join(inflater.decompress(b["body"]) for b in bodies[1:]) + inflater.flush()
    # Each chunk decodes on its own arrival: the client sees the first before the second.
    assert first == b'{"features": [' + b"1," * 1000
    assert rest == b"2" * 1000 + b"]}"
