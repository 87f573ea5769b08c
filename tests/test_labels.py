"""Names on the map: the glyphs machimap serves for its labels (built at install from a
Debian font, never a CDN) and the style's label layers that use them. The public map writing
those names in a real Chromium is tests/browser/test_map_labels.py (the browser fixtures,
one Playwright per test session, live in tests/browser/)."""

from __future__ import annotations

import gzip
import json
from itertools import pairwise
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.serving import glyphs, tile_documents
from layers.city.districts import DistrictLevel
from layers.city.facilities import FacilityKind
from layers.registry import get_layer
from tests.conftest import new_client

FONT_PATH = f"/tiles/glyphs/{quote(glyphs.FONT)}"
PROTOBUF = "application/x-protobuf"
SDF_BORDER = 3  # MapLibre's glyph PBFs pad every bitmap by 3 pixels on each side


@pytest.fixture
def client(demo_url: str) -> TestClient:
    return new_client()


# --- a glyph PBF, read the way MapLibre reads it -------------------------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message: varints and length-delimited."""
    out: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            out.append((number, value))
        elif wire == 2:
            size, at = _varint(data, at)
            out.append((number, data[at : at + size]))
            at += size
        else:
            raise AssertionError(f"wire type {wire} is not in a glyph PBF")
    return out


GLYPH_FIELDS = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top", 7: "advance"}


def decode_glyphs(data: bytes) -> list[dict[str, Any]]:
    """glyphs { repeated fontstack = 1 }, fontstack { name = 1; range = 2; glyph = 3 },
    glyph { id = 1; bitmap = 2; width = 3; height = 4; left = 5; top = 6; advance = 7 }."""
    stacks = []
    for number, stack in _fields(data):
        assert number == 1 and isinstance(stack, bytes)
        found: dict[str, Any] = {"glyphs": {}}
        for field, value in _fields(stack):
            if field == 1 and isinstance(value, bytes):
                found["name"] = value.decode()
            elif field == 2 and isinstance(value, bytes):
                found["range"] = value.decode()
            elif field == 3 and isinstance(value, bytes):
                glyph = {GLYPH_FIELDS[f]: v for f, v in _fields(value)}
                for signed in ("left", "top"):  # sint32: zigzag-encoded
                    z = int(glyph.get(signed, 0))
                    glyph[signed] = (z >> 1) ^ -(z & 1)
                found["glyphs"][glyph["id"]] = glyph
        stacks.append(found)
    return stacks


# --- the glyph route -----------------------------------------------------------------------


def test_latin_and_digit_glyphs_are_protobuf_sdf_cached_for_a_month(client: TestClient) -> None:
    response = client.get(f"{FONT_PATH}/0-255.pbf", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == PROTOBUF
    assert "content-encoding" not in response.headers
    cache = response.headers["cache-control"]
    assert cache.startswith("public") and int(cache.split("max-age=")[1]) >= 7 * 86400
    assert response.headers["vary"] == "Accept-Encoding"
    [stack] = decode_glyphs(response.content)
    # The name in the file is fontnik's ("family style"); the URL's is the style's text-font.
    assert stack["name"].startswith(glyphs.FONT) and stack["range"] == "0-255"
    wanted = "0123456789ABCXYZabcxyz-()."
    assert {ord(c) for c in wanted} <= set(stack["glyphs"])
    for char in wanted:
        glyph = stack["glyphs"][ord(char)]
        side = 2 * SDF_BORDER
        assert len(glyph["bitmap"]) == (glyph["width"] + side) * (glyph["height"] + side)
        assert glyph["advance"] > 0
    # Digits stand on the baseline MapLibre draws the device's kana and kanji on (27.5 px
    # below the origin at the files' 24 px), not 2 px above the kanji beside them.
    for char in "H1":
        glyph = stack["glyphs"][ord(char)]
        assert abs(glyph["height"] - glyph["top"] - 27.5) <= 0.5

    # Browsers get the gzip copy made at build time, the same glyphs in fewer bytes.
    zipped = client.stream("GET", f"{FONT_PATH}/0-255.pbf", headers={"Accept-Encoding": "gzip"})
    with zipped as streamed:
        assert streamed.headers["content-encoding"] == "gzip"
        body = b"".join(streamed.iter_raw())
    assert len(body) < len(response.content)
    assert gzip.decompress(body) == response.content

    # Asked again with the ETag: nothing is sent; HEAD says the same without the body.
    etag = response.headers["etag"]
    again = client.get(
        f"{FONT_PATH}/0-255.pbf",
        headers={"If-None-Match": etag, "Accept-Encoding": "identity"},
    )
    assert again.status_code == 304 and not again.content
    head = client.head(f"{FONT_PATH}/0-255.pbf", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and not head.content
    assert head.headers["content-type"] == PROTOBUF


def test_japanese_punctuation_and_full_width_forms_are_served_too(client: TestClient) -> None:
    # Devices draw kana and kanji themselves (localIdeographFontFamily); these ranges are for
    # clients that do not, and they cost nothing unless asked for.
    for codepoints, chars in (("12288-12543", "、。「」あア"), ("65280-65535", "（）１Ａ")):
        response = client.get(f"{FONT_PATH}/{codepoints}.pbf")
        assert response.status_code == 200
        [stack] = decode_glyphs(response.content)
        assert {ord(c) for c in chars} <= set(stack["glyphs"])


@pytest.mark.parametrize(
    "codepoints", ["0-300", "1-256", "256-255", "65536-65791", "abc", "0-255-511", "-1-254"]
)
def test_a_range_that_is_no_block_of_256_is_refused_in_both_languages(
    client: TestClient, codepoints: str
) -> None:
    response = client.get(f"{FONT_PATH}/{codepoints}.pbf")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = json.loads(response.text)
    assert problem["parameter"] == "range"
    assert "256" in problem["detail"] and "256" in problem["detail_ja"]
    assert "範囲" in problem["detail_ja"]


def test_an_unknown_font_or_a_range_the_font_lacks_is_not_found(client: TestClient) -> None:
    for path in (
        "/tiles/glyphs/Open%20Sans%20Regular/0-255.pbf",
        f"/tiles/glyphs/{quote(glyphs.FONT)},Arial%20Unicode%20MS%20Regular/0-255.pbf",
        "/tiles/glyphs/..%2F..%2Fpyproject.toml/0-255.pbf",
        "/tiles/glyphs/../0-255.pbf",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    unknown = json.loads(client.get("/tiles/glyphs/Open%20Sans%20Regular/0-255.pbf").text)
    assert unknown["fonts"] == [glyphs.FONT]
    assert "フォント" in unknown["detail_ja"] and "font" in unknown["detail"]
    # Thai (U+0E00–0E7F) is not in a Japanese font: 404, so MapLibre draws it locally instead.
    thai = client.get(f"{FONT_PATH}/3584-3839.pbf")
    assert thai.status_code == 404
    assert "3584-3839" in json.loads(thai.text)["detail"]


# --- the style -----------------------------------------------------------------------------


def _style(client: TestClient) -> dict[str, Any]:
    response = client.get("/tiles/style.json")
    assert response.status_code == 200
    style: dict[str, Any] = json.loads(response.text)
    return style


def test_the_style_names_districts_and_facilities_with_glyphs_machimap_serves(
    client: TestClient,
) -> None:
    style = _style(client)
    assert style["glyphs"] == "https://testserver/tiles/glyphs/{fontstack}/{range}.pbf"
    labels = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    ids = [layer["id"] for layer in labels]
    assert {"district-label-area", "district-label-neighbourhood", "facility-label"} <= set(ids)
    assert "facility-label-safety" in ids
    for label in labels:
        layer = get_layer(label["source-layer"])
        fields = {f.name for f in layer.public_fields}
        assert label["layout"]["text-field"] == ["get", "name"] and "name" in fields
        assert label["paint"]["text-halo-width"] > 0
        assert label["paint"]["text-halo-color"].startswith("rgba(255, 255, 255")
        assert label["minzoom"] >= 11
        # Every font stack a label names is one the glyph route serves.
        stack = ",".join(label["layout"]["text-font"])
        url = style["glyphs"].replace("{fontstack}", quote(stack)).replace("{range}", "0-255")
        assert client.get(url).status_code == 200, stack
        if "filter" in label:
            test = label["filter"][1] if label["filter"][0] == "!" else label["filter"]
            _, (_, field), (_, values) = test
            assert field in fields
            choices = DistrictLevel if field == "level" else FacilityKind
            assert set(values) <= {c.value for c in choices}
    # 自治会 and 自主防災会 are placed from tiles that hold the whole city, enlarged (one
    # tile, one name each); 町丁目 from the street-level tiles.
    source = style["sources"][tile_documents.LABEL_SOURCE]
    assert source["type"] == "vector" and source["maxzoom"] == 8  # 8/226/101: all of 焼津市
    assert source["tiles"] == ["https://testserver/tiles/district/{z}/{x}/{y}.mvt"]
    whole = {
        layer["id"]: layer["source"] for layer in labels if layer["source-layer"] == "district"
    }
    assert (
        whole["district-label-area"] == whole["district-label-neighbourhood"] == "machimap-labels"
    )
    assert whole["district-label-block"] == "machimap"
    # Each district level is named in its own band of zooms, so one level speaks at a time.
    districts = sorted(
        (layer for layer in labels if layer["source-layer"] == "district"),
        key=lambda layer: layer["minzoom"],
    )
    for coarse, fine in pairwise(districts):
        assert coarse["maxzoom"] <= fine["minzoom"]
    # Names over every area, line and point, the safety places' last (placed first).
    order = {layer["id"]: n for n, layer in enumerate(style["layers"])}
    drawn = [n for layer_id, n in order.items() if "-label" not in layer_id]
    assert min(order[i] for i in ids) > max(drawn)
    assert order["facility-label-safety"] == len(style["layers"]) - 1
    assert "SIL Open Font License" in style["metadata"]["machimap:glyphs-licence"]
