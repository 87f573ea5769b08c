"""Compressed answers (api/compression.py) and revalidated catalogues (api/caching.py): a
phone moves a twentieth of the bytes, and caches never mix codings under one strong ETag."""

from __future__ import annotations

import gzip

from tests.conftest import new_client

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def _raw(client_response_headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in client_response_headers.items()}


def test_json_answers_are_gzipped_for_clients_that_accept_it(demo_url: str) -> None:
    client = new_client()
    url = "/ogc/collections/hazard_points/items?limit=100"
    with client.stream("GET", url, headers=GZIP) as zipped:
        wire = b"".join(zipped.iter_raw())
        headers = _raw(dict(zipped.headers))
    plain = client.get(url, headers=IDENTITY)
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert int(headers["content-length"]) == len(wire)
    assert "content-encoding" not in plain.headers
    # The same features (timeStamp aside), in a fifth of the bytes or less.
    unpacked = gzip.decompress(wire)
    assert len(unpacked) == len(plain.content)
    assert len(wire) * 5 < len(plain.content), (len(wire), len(plain.content))
    head = client.head(url, headers=GZIP)
    assert head.headers["content-encoding"] == "gzip"


def test_what_is_compressed_already_is_left_alone(demo_url: str) -> None:
    client = new_client()
    tilejson = client.get("/tiles/facility/tilejson.json").json()
    url = tilejson["tiles"][0].replace("https://testserver", "")
    tile = client.get(url.format(z=0, x=0, y=0), headers=GZIP)
    assert tile.status_code == 200
    # The route gzips tiles itself and names the coding in its strong ETag.
    assert tile.headers["content-encoding"] == "gzip"
    assert tile.headers["etag"].endswith('-gz"') and not tile.headers["etag"].startswith("W/")
    small = client.get("/health/live", headers=GZIP)
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
        zipped = client.get(url, headers=GZIP)
        if zipped.headers.get("content-encoding") == "gzip":
            # Another byte sequence: the strong tag of the identity bytes is made weak.
            assert zipped.headers["etag"] == f"W/{etag}", url
        revalidate = client.get(url, headers={**GZIP, "If-None-Match": zipped.headers["etag"]})
        assert revalidate.status_code == 304, url
    categories = client.get("/api/report-categories", headers=GZIP)
    assert categories.headers["content-encoding"] == "gzip"
